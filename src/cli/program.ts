/** The `gim` command tree: train, eval, reproduce, report, data (main.ts parses argv with it; bench.ts adds bench). */
import { Command, Option } from '@commander-js/extra-typings';
import fs from 'node:fs';
import path from 'node:path';
import { buildSpeechCorpus } from '../audio/data/index.js';
import { figure3 } from '../experiments/figure3.js';
import { applySet } from '../experiments/overrides.js';
import { parsePreset, PRESETS, type PresetName } from './presets.js';
import { evalCommand } from './eval.js';
import { EXPERIMENTS, reproduceCommand } from './reproduce.js';
import { trainCommand } from './train.js';

/** The command tree (actions included); main() parses argv with it. Tests parse with their own argv. */
export function buildProgram(): Command {
  const program = new Command()
    .name('gim')
    .description(
      'Greedy InfoMax (Löwe et al. 2019) on libtorch: gradient-isolated modules trained by their own InfoNCE losses.',
    )
    .showHelpAfterError();

  const collect = (value: string, previous: string[]): string[] => [...previous, value];

  program
    .command('train')
    .description('train a model from a preset; writes runs/<name>/ (config.json, metrics.jsonl, checkpoints/)')
    .requiredOption('--preset <name>', PRESETS.join(' | '))
    .addOption(
      new Option('--mode <mode>', 'how the modules train').choices(['simultaneous', 'iterative', 'async'] as const),
    )
    .option(
      '--set <key=value>',
      'override a config key (repeatable), e.g. --set train.steps=200',
      collect,
      [] as string[],
    )
    .option('--run <dir>', 'run directory (default runs/<config name>)')
    .option('--resume', 'continue from the run’s newest checkpoint (its config, changed only by --set)', false)
    .option('--overwrite', 'replace the run already in the run directory (its checkpoints and metrics)', false)
    .option('--skip-bad', 'audio: skip (and count) corrupt or unlabelled utterances instead of stopping', false)
    .action(async (o) => {
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
    .command('eval')
    .description('linear-probe a trained run on frozen features')
    .requiredOption('--run <dir>', 'run directory')
    .addOption(
      new Option('--probe <task>', 'what to classify: speaker | phone (audio runs), class (vision runs)')
        .choices(['speaker', 'phone', 'class'] as const)
        .makeOptionMandatory(),
    )
    .option('--layer <n|all>', 'module whose output is probed (1-based), or all', 'last')
    .action(async (o) => {
      process.exitCode = await evalCommand({ run: o.run, probe: o.probe, layer: o.layer });
    });

  program
    .command('reproduce')
    .description("train and evaluate every row of the paper's tables that applies; writes results/<experiment>/")
    .argument('<experiment>', EXPERIMENTS.join(' | '))
    .addOption(
      new Option('--scale <scale>', 'tiny: seconds; small: ≤45 min on 2 CPU cores; full: the paper')
        .choices(['tiny', 'small', 'full'] as const)
        .default('small' as const),
    )
    .option('--set <key=value>', 'override a config key in every run (repeatable)', collect, [] as string[])
    .option('--skip-bad', 'audio: skip (and count) corrupt or unlabelled utterances instead of stopping', false)
    .action(async (experiment, o) => {
      const sets = o.skipBad ? [...o.set, 'data.skipBad=true'] : o.set;
      process.exitCode = await reproduceCommand(experiment, o.scale, sets);
    });

  const report = program.command('report').description('figures from existing runs');
  report
    .command('figure3')
    .description("Figure 3: each module's training loss, simultaneous vs iterative, from two runs' metrics.jsonl")
    .requiredOption('--simultaneous <runDir>', 'run directory of the simultaneous run')
    .requiredOption('--iterative <runDir>', 'run directory of the iterative run')
    .option('--out <dir>', 'output directory (writes figure3.png and figure3.svg)', 'results')
    .action(async (o) => {
      for (const run of [o.simultaneous, o.iterative]) {
        if (!fs.existsSync(path.join(run, 'metrics.jsonl')))
          throw new Error(`report figure3: ${run} has no metrics.jsonl (is it a run directory?)`);
      }
      const files = await figure3({
        simultaneous: o.simultaneous,
        iterative: o.iterative,
        out: path.join(o.out, 'figure3'),
      });
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
      const r = await buildSpeechCorpus({
        out: o.out,
        speakers: o.speakers,
        utterancesPerSpeaker: o.utterances,
        seed: o.seed,
      });
      console.log(
        `${o.out}: ${r.utterances} utterances (${r.trainUtterances} train / ${r.testUtterances} test), ${r.speakers} speakers, ${r.minutes.toFixed(1)} min of audio in ${r.seconds.toFixed(0)} s`,
      );
    });

  return program;
}
