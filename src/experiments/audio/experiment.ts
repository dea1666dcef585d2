/**
 * The audio experiment: build or open the corpus, train a stack of audio modules (GIM, CPC, supervised baselines),
 * and evaluate any module with linear speaker and phone probes on frozen features (or MFCCs, the baseline).
 */
import fs from 'node:fs';
import path from 'node:path';
import { batchAt, disposeBatch, windowsBatch } from '../../audio/batches.js';
import { buildSpeechCorpus, checkLibriSpeechRoot, HOP, LibriSpeechDataset } from '../../audio/data/index.js';
import { buildRealSpeechCorpus } from '../../audio/data/real-speech.js';
import { mfcc } from '../../audio/mfcc.js';
import { audioModuleNames, buildAudioModules, type AudioObjective } from '../../audio/model.js';
import { GradientIsolatedStack, probeAccuracy, trainLinearProbe, type FeatureSet } from '../../gim/index.js';
import {
  adaptiveAvgPool1d,
  cat,
  contiguous,
  keep,
  manualSeed,
  mean,
  narrow,
  noGrad,
  tensor,
  tidy,
  transpose,
  type Tensor,
} from '../../tensor/index.js';
import { audioMixSeed, Rng } from '../../util/rng.js';
import { audioPresets, audioRealPresets, type AudioConfig } from './config.js';
import { restoreNewestCheckpoint, type LoadedStack } from '../../gim/run-dir.js';
import { train, type TrainResult, type TrainRunArgs } from '../../gim/training/trainer.js';
import { audioModuleSpec } from '../async-factories.js';
import { audioBatchProducer } from './async.js';

export const PHONE_CLASSES = 41;

export interface AudioData {
  train: LibriSpeechDataset;
  test: LibriSpeechDataset;
}

/** The data roots the presets synthesise a corpus into (resolved): the only paths ensureCorpus may build in. */
export function synthesisedRoots(): string[] {
  return Object.values(audioPresets).flatMap((p) =>
    p.data?.root !== undefined && (p.data.synthSpeakers ?? 0) > 0 ? [path.resolve(p.data.root)] : [],
  );
}

/** The data roots the real-speech presets build the real recorded voices into (resolved). */
export function realSpeechRoots(): string[] {
  const roots = Object.values(audioRealPresets).flatMap((p) =>
    p.data?.root !== undefined && p.data.realSpeechMaxPerVoice != null ? [path.resolve(p.data.root)] : [],
  );
  return [...new Set(roots)];
}

/**
 * ensureCorpus(config): check data.root has the LibriSpeech layout. Only a preset's default root (with
 * data.synthSpeakers > 0) is ever written to: there the synthetic corpus is built when the folder is absent or empty.
 * Any other root without the layout is an error (`<root>: no train_split.txt (LibriSpeech layout expected)`).
 */
export async function ensureCorpus(
  config: AudioConfig,
  log: (m: string) => void = (m) => void process.stderr.write(`${m}\n`),
): Promise<void> {
  const root = config.data.root;
  const maxPerVoice = config.data.realSpeechMaxPerVoice;
  const real = maxPerVoice !== null && realSpeechRoots().includes(path.resolve(root));
  const synthesised = config.data.synthSpeakers > 0 && synthesisedRoots().includes(path.resolve(root));
  if (!synthesised && !real) return checkLibriSpeechRoot(root);
  const stat = fs.statSync(root, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory()) return checkLibriSpeechRoot(root); // says it is a file
  const entries = stat === undefined ? [] : fs.readdirSync(root);
  if (entries.includes('corpus.json')) return checkLibriSpeechRoot(root);
  if (entries.length > 0) {
    const what = real ? 'real-speech' : 'synthetic';
    throw new Error(
      `${root}: an incomplete ${what} corpus (no corpus.json, which a build writes last); remove ${root} to rebuild it`,
    );
  }
  if (real) {
    log(`building the real-speech corpus in ${root} (${maxPerVoice === 0 ? 'all' : maxPerVoice} clips per voice)`);
    const r = await buildRealSpeechCorpus({ out: root, maxPerVoice, seed: config.seed });
    log(
      `  ${r.clips} clips, ${r.voices.length} voices, ${r.minutes.toFixed(1)} min of audio in ${r.seconds.toFixed(0)} s`,
    );
    return;
  }
  log(
    `building the synthetic speech corpus in ${root} (${config.data.synthSpeakers} speakers × ${config.data.synthUtterancesPerSpeaker})`,
  );
  const r = await buildSpeechCorpus({
    out: root,
    speakers: config.data.synthSpeakers,
    utterancesPerSpeaker: config.data.synthUtterancesPerSpeaker,
    seed: config.seed,
  });
  log(
    `  ${r.utterances} utterances, ${r.speakers} speakers, ${r.minutes.toFixed(1)} min of audio in ${r.seconds.toFixed(0)} s`,
  );
}

/**
 * openAudioData(config): the train and test splits, test speakers labelled as in train, phone labels loaded (unless
 * the corpus has none: data.phones false).
 */
export async function openAudioData(config: AudioConfig, requirePhones = config.data.phones): Promise<AudioData> {
  if (requirePhones && !config.data.phones) throw noPhonesError(config);
  const common = {
    root: config.data.root,
    skipBad: config.data.skipBad,
    normalize: config.data.normalize,
    requirePhones,
  };
  const train = await new LibriSpeechDataset({ ...common, split: 'train' }).open();
  const test = await new LibriSpeechDataset({ ...common, split: 'test', speakers: train.speakers }).open();
  return { train, test };
}

/** The error for a phone task on a corpus without phone labels. */
export function noPhonesError(config: AudioConfig): Error {
  return new Error(
    `${config.data.root}: this corpus has no phone labels (data.phones is false): only speaker probes and ` +
      'objectives apply to it',
  );
}

/** objectiveOf(config, data): what the modules learn from (InfoNCE, CLAPP, or speaker/phone labels). */
export function objectiveOf(config: AudioConfig, data: AudioData): AudioObjective {
  const o = config.train.objective;
  if (o === 'speaker') return { kind: 'speaker', classes: data.train.speakers.length };
  if (o === 'phone') return { kind: 'phone', classes: PHONE_CLASSES };
  return { kind: o };
}

/** buildAudioStack(config, data): fresh modules (seeded) in a stack with one Adam each. */
export function buildAudioStack(config: AudioConfig, data: AudioData): GradientIsolatedStack {
  manualSeed(config.seed);
  return new GradientIsolatedStack(buildAudioModules(config.model, objectiveOf(config, data)), { lr: config.train.lr });
}

/** trainAudio(config, data, args): the config's modules trained on audio windows, in the config's train.mode. */
export async function trainAudio(config: AudioConfig, data: AudioData, args: TrainRunArgs): Promise<TrainResult> {
  const objective = config.train.objective;
  return train(
    {
      buildModules: () => buildAudioModules(config.model, objectiveOf(config, data)),
      moduleNames: audioModuleNames(config.model),
      batch: async (step) => {
        const b = await batchAt(data.train, config.seed, step, {
          batchSize: config.train.batchSize,
          windowSamples: config.data.windowSamples,
          phones: objective === 'phone',
        });
        const targets = objective === 'speaker' ? b.speakers : objective === 'phone' ? b.phones! : undefined;
        return { x: b.x, ...(targets === undefined ? {} : { targets }), dispose: () => disposeBatch(b) };
      },
      asyncParts: () => ({
        factory: audioModuleSpec(config.model, objectiveOf(config, data)),
        batch: audioBatchProducer(config, data),
      }),
    },
    { ...args, config, steps: config.train.steps },
  );
}

/** loadAudioStack(run, config, data): a stack restored from the run's newest checkpoint that loads, and its step. */
export function loadAudioStack(run: string, config: AudioConfig, data: AudioData): LoadedStack {
  const stack = buildAudioStack(config, data);
  return { stack, step: restoreNewestCheckpoint(stack, run) };
}

/** Windows a probe trains or tests on: fixed for a seed, so every model is probed on the same audio. */
export interface ProbeWindows {
  x: Tensor; // [N, 1, W]
  speakers: Tensor; // [N] int64
  phones: Tensor | null; // [N, W/160] int64 (−1: unlabelled); null: the corpus has no phone labels
}

/** probeWindows(dataset, perUtterance, seed, W, phones): `perUtterance` random windows of every utterance. */
export async function probeWindows(
  dataset: LibriSpeechDataset,
  perUtterance: number,
  seed: number,
  windowSamples: number,
  phones = true,
): Promise<ProbeWindows> {
  const rng = new Rng(audioMixSeed(seed, 0x9b0be));
  const ids = dataset.ids.flatMap((id) => Array<string>(perUtterance).fill(id));
  const b = await windowsBatch(dataset, ids, rng, { windowSamples, phones });
  return { x: keep(b.x), speakers: keep(b.speakers), phones: b.phones === null ? null : keep(b.phones) };
}

/** How {@link extractFeatures} reduces each layer's frames. */
export interface FeatureReduction {
  /** Average over time: [N, 1, D], what utterance-level probes read. */
  timeMean?: boolean;
  /** Average-pool layers with more frames than this down to it (early layers to the 10 ms label rate): [N, F, D]. */
  labelFrames?: number;
}

/**
 * Frozen features of the given modules (0-based) for every window, in one pass per batch, without gradient:
 * [N, T, D] per layer, reduced per batch as `reduce` says (`true`: the time average) — small enough to keep for the
 * early layers' thousands of frames.
 */
export function extractFeatures(
  stack: GradientIsolatedStack,
  windows: Tensor,
  layers: number[],
  reduce: boolean | FeatureReduction,
  batchSize = 32,
): Map<number, Tensor> {
  const { timeMean = false, labelFrames } = typeof reduce === 'boolean' ? { timeMean: reduce } : reduce;
  const reduced = (f: Tensor): Tensor => {
    if (timeMean) return mean(f, 1, { keepDim: true }); // [b, 1, D]
    if (labelFrames === undefined || f.shape[1]! <= labelFrames) return f;
    return transpose(adaptiveAvgPool1d(transpose(f, 1, 2), labelFrames), 1, 2); // [b, D, T] → [b, F, D]
  };
  const N = windows.shape[0]!;
  const upTo = Math.max(...layers);
  const parts = new Map<number, Tensor[]>(layers.map((l) => [l, []]));
  noGrad(() => {
    for (let s = 0; s < N; s += batchSize) {
      tidy(() => {
        const feats = stack.features(narrow(windows, 0, s, Math.min(batchSize, N - s)), upTo); // each [b, T, D]
        for (const l of layers) parts.get(l)!.push(keep(contiguous(reduced(feats[l]!))));
      });
    }
  });
  const out = new Map<number, Tensor>();
  for (const [l, ps] of parts) {
    out.set(l, cat(ps, 0));
    for (const p of ps) p.dispose();
  }
  return out;
}

/** MFCC features (13 + Δ + ΔΔ per 10 ms frame) of every window: [N, W/160, 39]. */
export function mfccFeatures(windows: Tensor): Tensor {
  const [N, , W] = windows.shape as [number, number, number];
  const data = windows.data() as Float32Array;
  const frames = Math.floor(W / HOP);
  const out = new Float32Array(N * frames * 39);
  for (let i = 0; i < N; i++)
    out.set(mfcc(data.subarray(i * W, (i + 1) * W)).features.subarray(0, frames * 39), i * frames * 39);
  return tensor(out, [N, frames, 39]);
}

export type ProbeTask = 'speaker' | 'phone';

/** probeTask(trainFeatures, testFeatures, ...): train a linear probe on one task and return its test accuracy. */
export function probeTask(
  task: ProbeTask,
  train: { features: Tensor; windows: ProbeWindows },
  test: { features: Tensor; windows: ProbeWindows },
  config: AudioConfig,
  speakers: number,
): number {
  const p = config.probe[task];
  const labels = (w: ProbeWindows): Tensor => {
    if (task === 'speaker') return w.speakers;
    if (w.phones === null) throw noPhonesError(config);
    return alignFrames(w.phones, train.features.shape[1]!);
  };
  const trainSet: FeatureSet = { features: train.features, labels: labels(train.windows) };
  const testSet: FeatureSet = { features: test.features, labels: labels(test.windows) };
  manualSeed(config.seed);
  const probe = trainLinearProbe(trainSet, {
    classes: task === 'speaker' ? speakers : PHONE_CLASSES,
    pooling: task === 'speaker' ? 'mean' : 'frame',
    lr: p.lr,
    epochs: p.epochs,
    batchSize: p.batchSize,
  });
  const acc = probeAccuracy(probe, testSet);
  probe.dispose();
  return acc;
}

/** Phone labels for features with T frames: the last T label frames of the window, as the reference aligns them. */
function alignFrames(phones: Tensor, T: number): Tensor {
  const F = phones.shape[1]!;
  if (T > F) {
    throw new Error(
      `phone probe: features have ${T} frames but the window has ${F} label frames (extract them with labelFrames)`,
    );
  }
  return narrow(phones, 1, F - T, T);
}
