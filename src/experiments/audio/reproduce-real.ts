/**
 * `gim reproduce real-speech`: Table 3's speaker column and Figure 4 on real recorded voices (the audio-real-<scale>
 * preset), and the cross-corpus result: GIM and CPC pretrained on one corpus (synthetic or real), probed for speakers
 * on the other. GIM, CPC and the supervised (speaker) model train on the real corpus with the scale's settings; the
 * synthetic GIM and CPC are the runs of `gim reproduce audio` at the same scale (trained here when absent, reused when
 * finished). Writes real-speech.md, transfer.md, figure4-real.png and real-results.json beside Table 3, and re-renders
 * table3.md with a "Speaker (real)" column when `reproduce audio` has written its results there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONFOUND_NOTE } from '../../audio/data/real-speech.js';
import type { GradientIsolatedStack } from '../../gim/index.js';
import { formatPercent, markdownTable, writeFileAtomic } from '../../report/index.js';
import { makeDirectory } from '../../util/fs.js';
import { mergePatches, type DeepPartial } from '../overrides.js';
import { reproduceDirs, trainReproduceRun, type ReproduceArgs } from '../results-dir.js';
import { resolveAudioConfig, type AudioConfig, type AudioCorpus, type AudioScale } from './config.js';
import { audioProbeWindows, disposeAudioProbeWindows, probeAudioModules, type AudioProbeWindows } from './eval.js';
import {
  buildAudioStack,
  ensureCorpus,
  loadAudioStack,
  mfccFeatures,
  openAudioData,
  probeTask,
  trainAudio,
  type AudioData,
} from './experiment.js';
import { REAL_RESULTS_FILE, runsFor, saveFigure4, writeAudioResults, type AudioResults } from './reproduce.js';
import { setNumThreads } from '../../tensor/index.js';

/** What reproduce-real takes: reproduce's arguments, and a patch for each corpus (applied after `patch`). */
export interface ReproduceRealArgs extends ReproduceArgs<AudioScale, AudioConfig> {
  realPatch?: DeepPartial<AudioConfig>;
  syntheticPatch?: DeepPartial<AudioConfig>;
}

/** The runs trained on real voices, and the pretrained encoders compared across corpora. */
const REAL_RUNS = ['gim', 'cpc', 'supervised-speaker'] as const;
const TRANSFER_RUNS = ['gim', 'cpc'] as const;
type Corpus = 'synthetic' | 'real';

export interface RealSpeechResults {
  scale: AudioScale;
  /** Speaker test accuracy on real voices, by Table 3 row (null: not applicable). */
  rows: Record<string, number | null>;
  perLayerSpeaker: { gim: number[]; cpc: number[] };
  /** Speaker test accuracy of GIM and CPC: `transfer[run][pretrained on][probed on]`. */
  transfer: Record<string, Record<Corpus, Record<Corpus, number>>>;
  seconds: { total: number; runs: Record<string, number> };
  config: AudioConfig;
  data: Record<
    Corpus,
    {
      trainUtterances: number;
      testUtterances: number;
      speakers: number;
      minutes: number;
      /** Share of train and test clips shorter than the window (zero-padded at the end). */
      shorterThanWindow: number;
    }
  >;
}

interface CorpusSide {
  corpus: Corpus;
  base: AudioConfig;
  data: AudioData;
  runsRoot: string;
  configs: Record<string, AudioConfig>;
}

function runConfig(scale: AudioScale, corpus: AudioCorpus, patch: DeepPartial<AudioConfig>, run: string): AudioConfig {
  const base = resolveAudioConfig(scale, patch, corpus);
  return resolveAudioConfig(scale, mergePatches(patch, runsFor()[run]!, { name: `${base.name}-${run}` }), corpus);
}

export async function reproduceRealSpeech(args: ReproduceRealArgs): Promise<RealSpeechResults> {
  const log = args.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const started = performance.now();
  const dirs = reproduceDirs('audio', args.scale);
  const runsRoot = args.runsRoot ?? dirs.runsRoot;
  const resultsDir = args.resultsDir ?? dirs.resultsDir;
  checkRealResultsScale(resultsDir, args.scale);
  const patches: Record<Corpus, DeepPartial<AudioConfig>> = {
    real: mergePatches(args.patch ?? {}, args.realPatch ?? {}),
    synthetic: mergePatches(args.patch ?? {}, args.syntheticPatch ?? {}),
  };
  const side = async (corpus: Corpus, runs: readonly string[], root: string): Promise<CorpusSide> => {
    const preset = corpus === 'real' ? 'real' : 'default';
    const base = resolveAudioConfig(args.scale, patches[corpus], preset);
    setNumThreads(base.threads); // the probes too, when every run is reused and no trainer set them
    await ensureCorpus(base, log);
    const data = await openAudioData(base);
    const stats = data.train.stats();
    log(
      `${corpus} corpus ${base.data.root}: ${data.train.size} train / ${data.test.size} test utterances, ` +
        `${data.train.speakers.length} speakers, ${stats.minutes.toFixed(1)} min (train)`,
    );
    const configs = Object.fromEntries(runs.map((run) => [run, runConfig(args.scale, preset, patches[corpus], run)]));
    return { corpus, base, data, runsRoot: root, configs };
  };
  const real = await side('real', REAL_RUNS, path.join(runsRoot, 'real'));
  const synthetic = await side('synthetic', TRANSFER_RUNS, runsRoot);

  const runSeconds: Record<string, number> = {};
  for (const s of [real, synthetic]) {
    for (const [run, config] of Object.entries(s.configs)) {
      const seconds = await trainReproduceRun({
        name: `${s.corpus}/${run}`,
        dir: path.join(s.runsRoot, run),
        steps: config.train.steps,
        what: `${config.model.modelSplits} module(s), objective ${config.train.objective}, ${s.corpus} corpus`,
        train: (runArgs) => trainAudio(config, s.data, runArgs),
        log,
      });
      if (seconds !== null) runSeconds[`${s.corpus}/${run}`] = seconds;
    }
  }

  log('probing');
  const windows: Record<Corpus, AudioProbeWindows> = {
    real: await audioProbeWindows(real.base, real.data),
    synthetic: await audioProbeWindows(synthetic.base, synthetic.data),
  };
  const load = (s: CorpusSide, run: string): GradientIsolatedStack =>
    loadAudioStack(path.join(s.runsRoot, run), s.configs[run]!, s.data).stack;
  const sides = { real, synthetic };
  const speaker = (stack: GradientIsolatedStack, on: Corpus, modules: number[]): number[] =>
    probeAudioModules({ stack, modules, task: 'speaker', windows: windows[on], config: sides[on].base });
  const last = (s: GradientIsolatedStack): number => s.length - 1;
  const rows: RealSpeechResults['rows'] = {};
  const note = (row: string): void => log(`  ${row}: speaker (real) ${formatPercent(rows[row] ?? null)}`);

  const random = buildAudioStack(real.configs.gim!, real.data);
  rows['Random initialization'] = speaker(random, 'real', [last(random)])[0]!;
  note('Random initialization');
  random.dispose();
  rows['MFCC features'] = mfccSpeaker(windows.real, real.base);
  note('MFCC features');
  const supervised = load(real, 'supervised-speaker');
  rows.Supervised = speaker(supervised, 'real', [last(supervised)])[0]!;
  note('Supervised');
  supervised.dispose();
  rows['Greedy Supervised'] = null;
  const transfer: RealSpeechResults['transfer'] = {};
  let perLayer: number[] = [];
  for (const run of TRANSFER_RUNS) {
    transfer[run] = { synthetic: { synthetic: 0, real: 0 }, real: { synthetic: 0, real: 0 } };
    for (const from of [real, synthetic]) {
      const stack = load(from, run);
      for (const on of ['real', 'synthetic'] as const) {
        const modules = run === 'gim' && from.corpus === 'real' && on === 'real' ? stack.modules.map((_, m) => m) : [];
        const accs = speaker(stack, on, modules.length > 0 ? modules : [last(stack)]);
        transfer[run][from.corpus][on] = accs[accs.length - 1]!;
        if (modules.length > 0) perLayer = accs;
        log(`  ${run} pretrained on ${from.corpus}, probed on ${on}: ${formatPercent(accs[accs.length - 1]!)}`);
      }
      stack.dispose();
    }
  }
  rows.CPC = transfer.cpc!.real.real;
  rows['Greedy InfoMax (GIM)'] = transfer.gim!.real.real;
  for (const w of Object.values(windows)) disposeAudioProbeWindows(w);

  const dataOf = (s: CorpusSide) => ({
    trainUtterances: s.data.train.size,
    testUtterances: s.data.test.size,
    speakers: s.data.train.speakers.length,
    minutes: s.data.train.stats().minutes,
    shorterThanWindow: shareShorter(s.data, s.base.data.windowSamples),
  });
  const results: RealSpeechResults = {
    scale: args.scale,
    rows,
    perLayerSpeaker: { gim: perLayer, cpc: [rows.CPC] },
    transfer,
    seconds: { total: (performance.now() - started) / 1000, runs: runSeconds },
    config: real.base,
    data: { real: dataOf(real), synthetic: dataOf(synthetic) },
  };
  await writeRealSpeechResults(resultsDir, results);
  return results;
}

/** The share of a corpus's clips (train and test) shorter than `windowSamples`. */
function shareShorter(data: AudioData, windowSamples: number): number {
  const lengths = [data.train, data.test].flatMap((split) => split.ids.map((id) => split.lengthOf(id)));
  return lengths.filter((n) => n < windowSamples).length / lengths.length;
}

/** A linear speaker probe on the MFCCs of the real windows. */
function mfccSpeaker(windows: AudioProbeWindows, config: AudioConfig): number {
  const [train, test] = [mfccFeatures(windows.train.x), mfccFeatures(windows.test.x)];
  const accuracy = probeTask(
    'speaker',
    { features: train, windows: windows.train },
    { features: test, windows: windows.test },
    config,
    windows.speakers,
  );
  train.dispose();
  test.dispose();
  return accuracy;
}

/** Refuse to overwrite real-speech results of another scale. */
function checkRealResultsScale(dir: string, scale: AudioScale): void {
  const file = path.join(dir, REAL_RESULTS_FILE);
  if (!fs.existsSync(file)) return;
  const saved = (JSON.parse(fs.readFileSync(file, 'utf8')) as { scale?: unknown }).scale;
  if (saved !== scale) {
    throw new Error(
      `${file} holds results of scale '${String(saved)}'; scale '${scale}' would overwrite them. Write elsewhere with --out <dir>`,
    );
  }
}

const pct = (v: number | null | undefined): string => formatPercent(v ?? null);

/** real-speech.md, transfer.md, figure4-real, real-results.json; table3.md again when results.json is there. */
export async function writeRealSpeechResults(dir: string, r: RealSpeechResults): Promise<void> {
  makeDirectory(dir, 'results folder');
  const d = r.data.real;
  const corpus =
    `Scale \`${r.scale}\`, real recorded voices (\`gim data real-speech\`, data root \`${r.config.data.root}\`): ` +
    `${d.speakers} voices, ${d.trainUtterances} train / ${d.testUtterances} test clips (${d.minutes.toFixed(1)} min ` +
    `of training audio), held-out clips of the same voices. ${CONFOUND_NOTE} The two sources also differ in ` +
    'recording conditions, so voices of different sources are told apart by the channel as well. ' +
    `${(100 * d.shorterThanWindow).toFixed(0)}% of the clips are shorter than the ` +
    `${(r.config.data.windowSamples / 16000).toFixed(2)} s window and are zero-padded at the end, so clip length is ` +
    'visible to every method.\n\n';
  const rows = Object.entries(r.rows).map(([name, acc]) => [name, pct(acc)]);
  writeFileAtomic(
    path.join(dir, 'real-speech.md'),
    `# Table 3 on real speech: speaker identification\n\n${corpus}` +
      markdownTable(['Method', 'Speaker (real)'], rows, { align: ['left', 'right'] }) +
      '\n\nLinear-probe test accuracy (one window per test clip). Greedy Supervised: not trained on real speech (—).' +
      `\n\nWall time: ${(r.seconds.total / 60).toFixed(1)} min.\n`,
  );
  const s = r.data.synthetic;
  const transferRows = Object.entries(r.transfer).flatMap(([run, by]) =>
    (['synthetic', 'real'] as const).map((from) => [
      run === 'gim' ? 'Greedy InfoMax (GIM)' : 'CPC',
      from,
      pct(by[from].synthetic),
      pct(by[from].real),
    ]),
  );
  writeFileAtomic(
    path.join(dir, 'transfer.md'),
    '# Cross-corpus: does what the encoder learns transfer?\n\n' +
      `Scale \`${r.scale}\`. Encoders pretrained (InfoNCE, no labels) on one corpus, frozen; a linear speaker probe trained ` +
      `and tested on each corpus (pretrained and probed on the same corpus: in-domain; on the other: transfer). Synthetic: ${s.speakers} flite voices, ${s.trainUtterances} train / ${s.testUtterances} ` +
      `test utterances. Real: ${d.speakers} voices, ${d.trainUtterances} / ${d.testUtterances} clips. ${CONFOUND_NOTE}\n\n` +
      markdownTable(['Encoder', 'Pretrained on', 'Speaker (synthetic)', 'Speaker (real)'], transferRows, {
        align: ['left', 'left', 'right', 'right'],
      }) +
      '\n',
  );
  writeFileAtomic(path.join(dir, REAL_RESULTS_FILE), `${JSON.stringify(r, null, 2)}\n`);
  await saveFigure4(
    path.join(dir, 'figure4-real'),
    'Figure 4 on real speech: speaker classification error per module (GIM)',
    r.config,
    r.perLayerSpeaker,
  );
  const synthetic = path.join(dir, 'results.json');
  if (fs.existsSync(synthetic)) {
    const saved = JSON.parse(fs.readFileSync(synthetic, 'utf8')) as AudioResults;
    if (saved.scale === r.scale) await writeAudioResults(dir, saved);
  }
}
