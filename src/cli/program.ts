/** The `gim` command tree: train, launch, eval, embed, pack, export, serve-demo, reproduce, demo, config, report, data (bench.ts adds
 * bench). */
import { Command, Help, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import path from 'node:path';
import { applySet } from '../experiments/overrides.js';
import { EXPERIMENTS, PRESETS, SCALE_TIMES, SCALES, type PresetName } from './names.js';
import { packageVersion } from './version.js';

// Commands load their modules (and with them the libtorch addon) only when they run, so `gim --help`,
// `gim <command> --help` and `gim --version` work before the addon is built.

/** The command tree (actions included); main() parses argv with it. Tests parse with their own argv. */
export function buildProgram(): Command {
  const program = new Command()
    .name('gim')
    .description(
      'Greedy InfoMax (Löwe et al. 2019) on libtorch: gradient-isolated modules trained by their own InfoNCE losses.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .configureHelp({ optionDescription: describeOption })
    .showHelpAfterError();

  const collect = (value: string, previous: string[]): string[] => [...previous, value];

  program
    .command('train')
    .description('train a model from a preset; writes runs/<name>/ (config.json, metrics.jsonl, checkpoints/)')
    .requiredOption('--preset <name>', PRESETS.join(' | '))
    .addOption(
      new Option('--mode <mode>', 'how the modules train (distributed: one rank of gim launch)').choices([
        'simultaneous',
        'iterative',
        'async',
        'distributed',
      ] as const),
    )
    .option(
      '--set <key=value>',
      'override a config key (repeatable), e.g. --set train.steps=200; every key: gim config --preset <name> --keys',
      collect,
      [] as string[],
    )
    .option('--run <dir>', 'run directory (default runs/<config name>)')
    .option('--resume', 'continue from the run’s newest checkpoint (its config, changed only by --set)', false)
    .option('--overwrite', 'replace the run already in the run directory (its checkpoints and metrics)', false)
    .option('--skip-bad', 'audio: skip (and count) corrupt or unlabelled utterances instead of stopping', false)
    .addHelpText('after', TRAIN_HELP_AFTER)
    .action(async (o) => {
      const { parsePreset } = await import('./presets.js');
      const { trainCommand } = await import('./train.js');
      const preset = parsePreset(o.preset);
      const sets = [
        ...(o.mode === undefined ? [] : [`train.mode=${o.mode}`]),
        ...(o.skipBad ? ['data.skipBad=true'] : []),
        ...o.set,
      ];
      const config = sets.reduce((c, s) => applySet(c, s), preset.config());
      process.exitCode = await trainCommand(preset.name as PresetName, config, {
        run: o.run ?? path.join('runs', config.name),
        resume: o.resume,
        overwrite: o.overwrite,
        sets,
      });
    });

  program
    .command('launch')
    .description(
      'start the local ranks of a distributed run (torchrun conventions): gim launch --nproc-per-node N -- train ...',
    )
    .requiredOption('--nproc-per-node <n>', 'processes (ranks) on this node')
    .option('--nnodes <m>', 'nodes in the run (default 1)')
    .option('--node-rank <r>', 'this node, 0..nnodes−1 (default 0); its ranks are r×N .. r×N+N−1')
    .option('--master-addr <address>', 'address of node 0, where rank 0 listens (default 127.0.0.1)')
    .option('--master-port <port>', 'port of the rendezvous on the master, 1..65535 (default 29500)')
    .option('--grace <seconds>', 'when ranks are stopped: seconds between SIGTERM and SIGKILL (default 30)')
    .addOption(new Option('--script <file>', 'test hook: ranks run node <file> instead of gim').hideHelp())
    .argument('[command...]', 'after --: the gim command every rank runs, e.g. -- train --preset audio-tiny')
    .allowUnknownOption()
    .addHelpText('after', LAUNCH_HELP_AFTER)
    .action(async (operands, o) => {
      const { childCommand, launchCommand } = await import('./launch.js');
      // commander drops the `--`; launch needs it to tell its own options from the command's.
      const raw = (program as unknown as { rawArgs: string[] }).rawArgs;
      const command = childCommand(raw.slice(raw.indexOf('launch') + 1), operands);
      process.exitCode = await launchCommand(o, command);
    });

  program
    .command('eval')
    .description('linear-probe a trained run on frozen features')
    .option('--run <dir>', 'run directory')
    .option('--from <file>', 'a packed model (gim pack) instead of --run; results are printed, not kept')
    .addOption(
      new Option('--probe <task>', 'what to classify: speaker | phone (audio runs), class (vision runs)')
        .choices(['speaker', 'phone', 'class'] as const)
        .makeOptionMandatory(),
    )
    .option('--layer <n|all>', 'module whose output is probed (1-based), or all', 'last')
    .action(async (o) => {
      const { evalCommand } = await import('./eval.js');
      process.exitCode = await evalCommand({ ...modelSource(o), probe: o.probe, layer: o.layer });
    });

  program
    .command('embed')
    .description(
      'features of a trained encoder for audio (FLAC, WAV, Ogg: sox), PNG, JPEG or IDX files, one row per file',
    )
    .option('--run <dir>', 'run directory')
    .option('--from <file>', 'a packed model (gim pack) instead of --run')
    .option('--module <k>', 'module whose features are written, 1-based (default: the last)', positiveInteger)
    .option(
      '--input <path>',
      'a file, a folder (searched recursively) or a glob (repeatable; at least one)',
      collect,
      [] as string[],
    )
    .requiredOption('--out <file>', 'features.safetensors | features.npy (+ .paths.txt) | features.jsonl')
    .addOption(
      new Option('--pool <how>', 'mean: one vector per file; none: every frame (audio) or the patch grid (vision)')
        .choices(['mean', 'none'] as const)
        .default('mean' as const),
    )
    .option('--skip-bad', 'skip (and count) files that cannot be read instead of stopping', false)
    .option('--overwrite', 'replace an existing --out', false)
    .action(async (o) => {
      const { embedCommand } = await import('./embed.js');
      process.exitCode = await embedCommand({
        ...modelSource(o),
        ...(o.module === undefined ? {} : { module: o.module }),
        inputs: o.input,
        out: o.out,
        pool: o.pool,
        skipBad: o.skipBad,
        overwrite: o.overwrite,
      });
    });

  program
    .command('pack')
    .description('one file to share a trained encoder: config, weights without optimizer state, a model card')
    .requiredOption('--run <dir>', 'run directory')
    .requiredOption('--out <file>', 'the packed model, e.g. model.gim.tgz')
    .option('--overwrite', 'replace an existing --out', false)
    .action(async (o) => {
      const { packCommand } = await import('./embed.js');
      process.exitCode = await packCommand({ run: o.run, out: o.out, overwrite: o.overwrite });
    });

  program
    .command('export')
    .description(
      'write a trained run’s or pack’s encoder (up to module k) as an ONNX model, opset 17, config in its metadata',
    )
    .option('--run <dir>', 'run directory')
    .option('--from <file>', 'a packed model (gim pack) instead of --run')
    .option('--module <k>', 'last module exported (1-based; default the last)')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option('--overwrite', 'replace --out if it exists', false)
    .action(async (o) => {
      const { exportCommand } = await import('./export.js');
      process.exitCode = await exportCommand({
        ...modelSource(o),
        module: o.module,
        out: o.out,
        overwrite: o.overwrite,
      });
    });

  program
    .command('serve-demo')
    .description('serve the demo page: the run’s encoder in the browser (onnxruntime-web), nearest neighbours, PCA map')
    .option('--run <dir>', 'run directory (audio or vision)')
    .option('--from <file>', 'a packed model (gim pack) instead of --run')
    .option('--module <k>', 'module whose features are compared (1-based; default the last)')
    .option(
      '--gallery <features>',
      'gim embed output (.jsonl, .safetensors, .npy) of files in one folder per label, same run and module ' +
        '(default: the run’s first 100 test images or clips, embedded the same way)',
    )
    .option('--port <n>', 'port to listen on (0: any free port)', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .action(async (o) => {
      const { serveDemoCommand } = await import('./serve-demo.js');
      await serveDemoCommand({ ...modelSource(o), module: o.module, gallery: o.gallery, port: o.port, host: o.host });
    });

  program
    .command('reproduce')
    .description(
      "train and evaluate every row of the paper's tables that applies; writes results/<experiment>/ (scale small) " +
        'or runs/reproduce-<experiment>-<scale>/results/',
    )
    .argument(
      '<experiment>',
      `${EXPERIMENTS.join(' | ')} | real-speech (audio's speaker column, Figure 4 and the cross-corpus transfer on real voices)`,
    )
    .addOption(
      new Option('--scale <scale>', SCALES.map((scale) => `${scale}: ${SCALE_TIMES[scale]}`).join('; '))
        .choices(SCALES)
        .default('tiny' as const),
    )
    .option('--set <key=value>', 'override a config key in every run (repeatable)', collect, [] as string[])
    .option('--skip-bad', 'audio: skip (and count) corrupt or unlabelled utterances instead of stopping', false)
    .option(
      '--out <dir>',
      'results folder (default: results/<experiment> for small, runs/reproduce-<experiment>-<scale>/results otherwise)',
    )
    .option(
      '--rows <names>',
      'vision: train only these runs, comma-separated (e.g. supervised,gim), and stop before the probes; a later ' +
        'call without --rows reuses them (to spread the runs over processes or machines sharing the runs folder)',
      (value: string) =>
        value
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== ''),
    )
    .option(
      '--trained-only',
      'vision: train nothing; probe the runs already finished (e.g. by --rows) and write the tables with the ' +
        'other rows left out and named',
      false,
    )
    .option(
      '--earlier-results <file>',
      "vision, with --trained-only: take the rows of the runs not finished here from an earlier call's " +
        'results.json (same scale, data, model and probe settings; named as such under the table)',
    )
    .action(async (experiment, o) => {
      const { reproduceCommand } = await import('./reproduce.js');
      const sets = o.skipBad ? [...o.set, 'data.skipBad=true'] : o.set;
      process.exitCode = await reproduceCommand(experiment, o.scale, sets, {
        ...(o.out === undefined ? {} : { out: o.out }),
        ...(o.rows === undefined ? {} : { rows: o.rows as string[] }),
        ...(o.trainedOnly === true ? { trainedOnly: true } : {}),
        ...(o.earlierResults === undefined ? {} : { earlierResults: o.earlierResults as string }),
      });
    });

  program
    .command('demo')
    .description(
      'Greedy InfoMax on Fashion-MNIST in about 1½ minutes on 2 cores: trains the small vision model briefly, then linear-probes ' +
        'every module against the same model at random init, and prints the table',
    )
    .option('--run <dir>', 'run folder, new or empty (default runs/demo-<UTC time>)')
    .option('--set <key=value>', 'override a config key of the demo (repeatable)', collect, [] as string[])
    .action(async (o) => {
      const { demoCommand } = await import('./demo.js');
      process.exitCode = await demoCommand({ sets: o.set, ...(o.run === undefined ? {} : { run: o.run }) });
    });

  program
    .command('config')
    .description("print a preset's resolved config as JSON, or with --keys every --set key with its type and default")
    .requiredOption('--preset <name>', PRESETS.join(' | '))
    .option('--set <key=value>', 'override a config key (repeatable)', collect, [] as string[])
    .option('--keys', 'list every key --set accepts, with its type and value', false)
    .action(async (o) => {
      const { configCommand } = await import('./config.js');
      console.log(configCommand({ preset: o.preset, sets: o.set, keys: o.keys }));
    });

  const report = program.command('report').description('figures from existing runs');
  report
    .command('figure3')
    .description("Figure 3: each module's training loss, simultaneous vs iterative, from two runs' metrics.jsonl")
    .requiredOption('--simultaneous <runDir>', 'run directory of the simultaneous run')
    .requiredOption('--iterative <runDir>', 'run directory of the iterative run')
    .option('--out <dir>', 'output directory (writes figure3.png and figure3.svg)', 'results')
    .action(async (o) => {
      const { figure3 } = await import('../experiments/audio/figure3.js');
      const files = await figure3({
        simultaneous: o.simultaneous,
        iterative: o.iterative,
        out: path.join(o.out, 'figure3'),
      });
      console.log(files.join(', '));
    });

  report
    .command('losses')
    .description("each module's training loss, one panel per run, from the runs' metrics.jsonl")
    .requiredOption('--run <runDir...>', 'run directories (one panel each)')
    .option('--label <name...>', 'a panel title per run (default: the folder names)')
    .option('--smooth <n>', 'moving average over logged points', positiveInteger, 1)
    .option('--title <text>', 'figure title')
    .requiredOption('--out <file>', 'output path without extension (writes .png and .svg)')
    .action(async (o) => {
      const { lossCurves } = await import('../experiments/loss-curves.js');
      const files = await lossCurves({ runs: o.run, labels: o.label, out: o.out, smooth: o.smooth, title: o.title });
      console.log(files.join(', '));
    });

  const data = program.command('data').description('build data sets');
  data
    .command('speech')
    .description('synthetic labelled speech (flite voices × pitch/rate) in the LibriSpeech layout')
    .requiredOption('--out <dir>', 'output directory (must be empty or absent)')
    .option('--speakers <n>', 'speakers (≤ 48)', (v) => Number(v), 24)
    .option('--utterances <n>', 'utterances per speaker', (v) => Number(v), 40)
    .option('--seed <n>', 'seed', (v) => Number(v), 0)
    .action(async (o) => {
      const { makeSpeechCorpus } = await import('../experiments/audio/speech-data.js');
      const r = await makeSpeechCorpus({
        out: o.out,
        speakers: o.speakers,
        utterancesPerSpeaker: o.utterances,
        seed: o.seed,
      });
      console.log(
        `${o.out}: ${r.utterances} utterances (${r.trainUtterances} train / ${r.testUtterances} test), ${r.speakers} speakers, ${r.minutes.toFixed(1)} min of audio in ${r.seconds.toFixed(0)} s`,
      );
    });

  data
    .command('real-speech')
    .description(
      "real recorded voices from Debian's tuxpaint-stamps-default and ktuberling-data, 16 kHz FLAC in the LibriSpeech " +
        'layout (one speaker per voice = language), for speaker identification',
    )
    .requiredOption('--out <dir>', 'output directory (absent, empty, or this corpus complete: then nothing is done)')
    .option('--sources <list>', 'comma-separated: tuxpaint,ktuberling', 'tuxpaint,ktuberling')
    .option('--max-per-voice <n>', 'at most n clips per voice (0: all)', (v) => Number(v), 0)
    .option('--min-clips <n>', 'drop voices with fewer clips', (v) => Number(v), 20)
    .option('--seed <n>', 'seed of clip choice and split', (v) => Number(v), 0)
    .option('--tuxpaint-root <dir>', 'tuxpaint data folder holding stamps/ (default: from dpkg -L)')
    .option('--ktuberling-root <dir>', 'ktuberling sounds/ folder (default: from dpkg -L)')
    .option('--jobs <n>', 'sox processes at once', (v) => Number(v))
    .option('--skip-bad', 'skip (and count) recordings sox cannot decode instead of stopping', false)
    .action(async (o) => {
      const { makeRealSpeechCorpus } = await import('../experiments/audio/real-speech-data.js');
      const roots = {
        ...(o.tuxpaintRoot === undefined ? {} : { tuxpaint: o.tuxpaintRoot as string }),
        ...(o.ktuberlingRoot === undefined ? {} : { ktuberling: o.ktuberlingRoot as string }),
      };
      await makeRealSpeechCorpus({
        out: o.out,
        sources: (o.sources as string).split(',').filter((s) => s !== '') as ('tuxpaint' | 'ktuberling')[],
        roots,
        maxPerVoice: o.maxPerVoice,
        minClips: o.minClips,
        seed: o.seed,
        skipBad: o.skipBad,
        ...(o.jobs === undefined ? {} : { jobs: o.jobs as number }),
      });
    });

  return program;
}

/** Where `gim train` reads data and writes runs (shown after its options). */
const TRAIN_HELP_AFTER = `
Runs go to --run, default runs/<config name>/ (the preset's name) under the
current folder: config.json, metrics.jsonl, checkpoints/.
Data come from the preset's data.root (shown by gim config --preset <name>;
change it with --set data.root=<dir>):
  audio-tiny, audio-small: a synthetic speech corpus, built on first use into
    data/speech-tiny, data/speech-small;
  audio-real-tiny, audio-real-small, audio-real-full: real recorded voices
    (Debian's tuxpaint-stamps-default, ktuberling-data; speaker labels only),
    built on first use into data/real-speech-tiny, data/real-speech;
  audio-full: LibriSpeech that you bring (train-clean-100/, the CPC split and
    phone files), in data/LibriSpeech;
  vision-tiny, vision-small: Fashion-MNIST from Debian's dataset-fashion-mnist,
    /usr/share/datasets/fashion-mnist;
  vision-full: the STL-10 binaries that you bring, in data/stl10_binary.`;

/** What every rank of `gim launch` finds in its environment (shown after its options). */
const LAUNCH_HELP_AFTER = `
Each rank runs this CLI with the command after -- and these variables:
  RANK, WORLD_SIZE (nnodes × nproc-per-node), LOCAL_RANK, LOCAL_WORLD_SIZE,
  GROUP_RANK (the node rank), MASTER_ADDR, MASTER_PORT.
A scheduler (SLURM, Kubernetes) that sets them can start gim train --mode
distributed itself, without launch. Output lines are prefixed [rank r].
When a rank exits non-zero or is killed, the others get SIGTERM, then
SIGKILL after --grace seconds; launch exits non-zero naming that rank.
Ctrl-C or SIGTERM to launch is forwarded to the ranks.`;

/** A positive integer given on the command line (a 1-based index, a window). */
function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer (1-based)');
  return n;
}

/** Exactly one of --run and --from, as the `run` / `from` arguments of the command's function. */
function modelSource(o: { run?: string; from?: string }): { run: string } | { from: string } {
  if (o.run !== undefined && o.from === undefined) return { run: o.run };
  if (o.from !== undefined && o.run === undefined) return { from: o.from };
  const which = o.run === undefined ? 'neither was given' : 'not both';
  throw new Error(`give --run <dir> (a run directory) or --from <file> (a packed model, gim pack): ${which}`);
}

/** Option help as commander writes it, with mandatory options marked "(required)". */
function describeOption(option: Parameters<Help['optionDescription']>[0]): string {
  const text = Help.prototype.optionDescription.call(new Help(), option);
  return option.mandatory ? `${text} (required)` : text;
}
