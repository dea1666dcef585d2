/** The audio experiment's configuration: one zod schema, paper defaults, and the tiny | small | full presets. */
import { z } from 'zod';
import { isDevice } from '../../tensor/index.js';
import { paperAudioEncoder, TINY_AUDIO_ENCODER } from '../../audio/model.js';
import { DEFAULT_DISTRIBUTED } from '../../gim/distributed/layout.js';
import { lrSchedules } from '../../gim/training/lr-schedule.js';
import { trainingModes } from '../../gim/training/strategy.js';
import { distributedSchema, refineDistributed } from '../distributed-config.js';
import { deepMerge, parseConfig, type DeepPartial } from '../overrides.js';

const int = z.number().int();
const pos = int.positive();

export const audioConfigSchema = z
  .object({
    experiment: z.literal('audio'),
    name: z.string().min(1),
    seed: int,
    threads: pos,
    /** Where the modules train: 'cpu', or 'cuda' / 'cuda:N' with a CUDA libtorch (LIBTORCH=…). */
    device: z.string().refine(isDevice, { message: "expected 'cpu', 'cuda' or 'cuda:N'" }),
    data: z.object({
      /** A LibriSpeech-layout root (train-clean-100/, *_split.txt, converted_aligned_phones.txt). */
      root: z.string().min(1),
      /** When root has no corpus: build the synthetic one there with this many speakers × utterances (0: don't). */
      synthSpeakers: int.nonnegative(),
      synthUtterancesPerSpeaker: int.nonnegative(),
      /**
       * When root has no corpus and is a real-speech preset's default root: build the real recorded voices there
       * (`gim data real-speech`), at most this many clips per voice (0: all). null: never.
       */
      realSpeechMaxPerVoice: int.nonnegative().nullable().default(null),
      /** The corpus has phone labels (converted_aligned_phones.txt); false: speaker probes only, phone rows are "—". */
      phones: z.boolean().default(true),
      windowSamples: pos,
      normalize: z.boolean(),
      skipBad: z.boolean(),
    }),
    model: z.object({
      channels: pos,
      kernels: z.array(pos).min(1),
      strides: z.array(pos).min(1),
      paddings: z.array(int.nonnegative()).min(1),
      hidden: pos,
      modelSplits: pos,
      predictionSteps: pos,
      negativeSamples: pos,
      window: pos.nullable(),
      noBPTT: z.boolean(),
    }),
    train: z.object({
      /**
       * What the modules learn from: their own InfoNCE, CLAPP's hinge form of it (src/gim/clapp.ts), or labels (the
       * supervised baselines).
       */
      objective: z.enum(['infonce', 'clapp', 'speaker', 'phone']),
      mode: z.enum(trainingModes),
      /** Async mode only (src/gim/async): batches each inter-module queue holds, libtorch threads per module worker. */
      async: z.object({ queueCapacity: pos, threadsPerModule: pos }).default({ queueCapacity: 2, threadsPerModule: 1 }),
      /**
       * Iterative mode only: > 0 trains every module on a fixed dataset of this many batches (batches 0..n−1), the
       * frozen modules' outputs computed once per module and cached (src/gim/cache.ts); 0 recomputes them each step.
       */
      cacheBatches: int.nonnegative().default(0),
      /** MiB of cached activations kept in memory before the cache spills to disk under <run>/cache. */
      cacheBudgetMB: z.number().nonnegative().default(1024),
      steps: int.nonnegative(),
      batchSize: pos,
      lr: z.number().positive(),
      /** 'constant' (the paper) or 'cosine': from lr down to 0 over the run (src/gim/training/lr-schedule.ts). */
      schedule: z.enum(lrSchedules).default('constant'),
      checkpointEvery: pos,
      logEvery: pos,
    }),
    /** train.mode 'distributed' only: pipeline stages, batches in flight, timeout, backend (src/gim/distributed). */
    distributed: distributedSchema,
    probe: z.object({
      /** Windows drawn per training utterance for the probe's training set (test: one fixed window each). */
      trainWindowsPerUtterance: pos,
      speaker: z.object({ epochs: pos, lr: z.number().positive(), batchSize: pos }),
      phone: z.object({ epochs: pos, lr: z.number().positive(), batchSize: pos }),
    }),
  })
  .refine(
    (c) => c.model.kernels.length === c.model.strides.length && c.model.strides.length === c.model.paddings.length,
    {
      message: 'model.kernels, model.strides and model.paddings must have the same length',
    },
  )
  .superRefine(refineDistributed)
  .superRefine((c, ctx) => {
    if (c.train.mode === 'distributed' && (c.train.objective === 'speaker' || c.train.objective === 'phone')) {
      ctx.addIssue({
        code: 'custom',
        path: ['train', 'mode'],
        message:
          `train.mode 'distributed' trains self-supervised modules (objective infonce or clapp); ` +
          `train.objective '${c.train.objective}' needs labels on every stage: train it simultaneously or iteratively`,
      });
    }
  });

export type AudioConfig = z.infer<typeof audioConfigSchema>;

/** The paper's settings (reference code: Adam 2e-4, batch 8, K 12, N 10, subsample window 128). */
export const audioDefaults: AudioConfig = {
  experiment: 'audio',
  name: 'audio',
  seed: 0,
  threads: 2,
  device: 'cpu',
  data: {
    root: 'data/LibriSpeech',
    synthSpeakers: 0,
    synthUtterancesPerSpeaker: 0,
    realSpeechMaxPerVoice: null,
    phones: true,
    windowSamples: 20480,
    normalize: true,
    skipBad: false,
  },
  model: { ...paperAudioEncoder },
  train: {
    objective: 'infonce',
    mode: 'simultaneous',
    async: { queueCapacity: 2, threadsPerModule: 1 },
    cacheBatches: 0,
    cacheBudgetMB: 1024,
    steps: 1_000_000,
    batchSize: 8,
    lr: 2e-4,
    schedule: 'constant',
    checkpointEvery: 1000,
    logEvery: 10,
  },
  distributed: { ...DEFAULT_DISTRIBUTED },
  probe: {
    trainWindowsPerUtterance: 4,
    speaker: { epochs: 50, lr: 1e-3, batchSize: 64 },
    phone: { epochs: 20, lr: 1e-4, batchSize: 64 },
  },
};

export type AudioScale = 'tiny' | 'small' | 'full';

/**
 * Presets. full = the paper. small = the synthetic corpus on this 2-core CPU: 128 channels, GRU 64, batch 8, the paper's
 * window, K and N, 600 steps per run. tiny = seconds, for tests and smoke runs.
 */
export const audioPresets: Record<AudioScale, DeepPartial<AudioConfig>> = {
  full: { name: 'audio-full', device: 'cuda' },
  small: {
    name: 'audio-small',
    data: { root: 'data/speech-small', synthSpeakers: 24, synthUtterancesPerSpeaker: 40 },
    model: { channels: 128, hidden: 64 },
    train: { steps: 600, batchSize: 8, lr: 1e-3, checkpointEvery: 200, logEvery: 10 },
    probe: {
      trainWindowsPerUtterance: 2,
      speaker: { epochs: 60, lr: 1e-2, batchSize: 64 },
      phone: { epochs: 20, lr: 1e-2, batchSize: 64 },
    },
  },
  tiny: {
    name: 'audio-tiny',
    data: { root: 'data/speech-tiny', synthSpeakers: 4, synthUtterancesPerSpeaker: 4, windowSamples: 5120 },
    model: { ...TINY_AUDIO_ENCODER },
    train: { steps: 6, batchSize: 2, lr: 1e-3, checkpointEvery: 3, logEvery: 1 },
    probe: {
      trainWindowsPerUtterance: 1,
      speaker: { epochs: 3, lr: 1e-2, batchSize: 8 },
      phone: { epochs: 2, lr: 1e-2, batchSize: 8 },
    },
  },
};

/** The corpora a scale's preset can train on: the scale's own (synthetic or LibriSpeech), or real recorded voices. */
export type AudioCorpus = 'default' | 'real';

/** Probe windows per real clip: the clips (1–2 s) are about one window long, so more windows repeat the same audio. */
const REAL_PROBE_WINDOWS = 1;
/** Clips per voice of the tiny real-speech corpus (enough for a split, seconds to build). */
const TINY_REAL_CLIPS_PER_VOICE = 8;

/**
 * The real-speech presets (audio-real-<scale>): the scale's settings on the real recorded voices of Debian's
 * tuxpaint-stamps-default and ktuberling-data, built on first use into data/real-speech (tiny: 8 clips a voice, into
 * data/real-speech-tiny). Speaker labels only: phone rows are "—".
 */
export const audioRealPresets: Record<AudioScale, DeepPartial<AudioConfig>> = {
  full: {
    name: 'audio-real-full',
    data: {
      root: 'data/real-speech',
      synthSpeakers: 0,
      synthUtterancesPerSpeaker: 0,
      realSpeechMaxPerVoice: 0,
      phones: false,
    },
    probe: { trainWindowsPerUtterance: REAL_PROBE_WINDOWS },
  },
  small: {
    name: 'audio-real-small',
    data: {
      root: 'data/real-speech',
      synthSpeakers: 0,
      synthUtterancesPerSpeaker: 0,
      realSpeechMaxPerVoice: 0,
      phones: false,
    },
    probe: { trainWindowsPerUtterance: REAL_PROBE_WINDOWS },
  },
  tiny: {
    name: 'audio-real-tiny',
    data: {
      root: 'data/real-speech-tiny',
      synthSpeakers: 0,
      synthUtterancesPerSpeaker: 0,
      realSpeechMaxPerVoice: TINY_REAL_CLIPS_PER_VOICE,
      phones: false,
    },
  },
};

/** resolveAudioConfig(scale, patch, corpus): defaults → preset (→ real-speech preset) → patch, validated. */
export function resolveAudioConfig(
  scale: AudioScale,
  patch: DeepPartial<AudioConfig> = {},
  corpus: AudioCorpus = 'default',
): AudioConfig {
  const preset = deepMerge(
    deepMerge(audioDefaults, audioPresets[scale]),
    corpus === 'real' ? audioRealPresets[scale] : {},
  );
  return parseAudioConfig(deepMerge(preset, patch));
}

/** parseAudioConfig(json): validate, with errors naming the offending key. */
export function parseAudioConfig(value: unknown): AudioConfig {
  return parseConfig(audioConfigSchema, value, 'audio');
}

/** A run's saved config.json: keys added to the config since the run was written take their defaults. */
export function savedAudioConfig(json: unknown): AudioConfig {
  return parseAudioConfig(deepMerge(audioDefaults, json as DeepPartial<AudioConfig>));
}
