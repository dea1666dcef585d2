/**
 * Linear probes on frozen audio features: the windows every model is probed on, one probe per module and task, and
 * `gim eval` on an audio run (its stack restored from the newest checkpoint that loads). reproduce-audio probes its
 * rows with the same functions.
 */
import { HOP } from '../../audio/data/index.js';
import type { GradientIsolatedStack } from '../../gim/index.js';
import type { AudioConfig } from './config.js';
import {
  extractFeatures,
  loadAudioStack,
  noPhonesError,
  openAudioData,
  probeTask,
  probeWindows,
  type AudioData,
  type FeatureReduction,
  type ProbeTask,
  type ProbeWindows,
} from './experiment.js';
import { evalModuleKey, modulesToProbe, type RunEvaluation } from '../eval-results.js';

/** The windows the probes train and test on, and the number of speakers the speaker probe tells apart. */
export interface AudioProbeWindows {
  train: ProbeWindows;
  test: ProbeWindows;
  speakers: number;
}

/**
 * audioProbeWindows(config, data): probe.trainWindowsPerUtterance windows of every train utterance and one of every
 * test utterance, fixed by config.seed, so that every model is probed on the same audio.
 */
export async function audioProbeWindows(config: AudioConfig, data: AudioData): Promise<AudioProbeWindows> {
  const windowSamples = config.data.windowSamples;
  const { phones } = config.data;
  const perUtterance = config.probe.trainWindowsPerUtterance;
  const train = await probeWindows(data.train, perUtterance, config.seed, windowSamples, phones);
  const test = await probeWindows(data.test, 1, config.seed + 1, windowSamples, phones);
  return { train, test, speakers: data.train.speakers.length };
}

/** Dispose the windows' tensors. */
export function disposeAudioProbeWindows(windows: AudioProbeWindows): void {
  for (const split of [windows.train, windows.test])
    for (const t of [split.x, split.speakers, split.phones]) t?.dispose();
}

/**
 * What a task's probe reads of each module: speaker, the time average of the features; phone, every frame at the
 * label rate (early modules, which have more frames, average-pooled to the 10 ms label frames).
 */
export function probeReduction(task: ProbeTask, config: AudioConfig): FeatureReduction {
  return task === 'speaker' ? { timeMean: true } : { labelFrames: Math.floor(config.data.windowSamples / HOP) };
}

export interface ProbeAudioModulesArgs {
  stack: GradientIsolatedStack;
  /** 0-based modules whose outputs are probed. */
  modules: readonly number[];
  task: ProbeTask;
  windows: AudioProbeWindows;
  /** Probe settings (config.probe), the seed of every probe and the window length. */
  config: AudioConfig;
  /** Called with each module's test accuracy as soon as its probe is done (module 0-based). */
  onModule?: (module: number, accuracy: number) => void;
}

/** probeAudioModules(args): a linear probe of `task` on each module's frozen output; one test accuracy per module. */
export function probeAudioModules(args: ProbeAudioModulesArgs): number[] {
  const { stack, task, windows, config } = args;
  const modules = [...args.modules];
  const reduction = probeReduction(task, config);
  const trainFeatures = extractFeatures(stack, windows.train.x, modules, reduction);
  const testFeatures = extractFeatures(stack, windows.test.x, modules, reduction);
  const accuracies = modules.map((module) => {
    const accuracy = probeTask(
      task,
      { features: trainFeatures.get(module)!, windows: windows.train },
      { features: testFeatures.get(module)!, windows: windows.test },
      config,
      windows.speakers,
    );
    args.onModule?.(module, accuracy);
    return accuracy;
  });
  for (const t of [...trainFeatures.values(), ...testFeatures.values()]) t.dispose();
  return accuracies;
}

export interface EvaluateAudioRunArgs {
  /** The run folder; its stack is restored from the newest checkpoint that loads. */
  run: string;
  /** The config the run's weights were trained with (readRunConfig). */
  config: AudioConfig;
  task: ProbeTask;
  /** The modules probed: a 1-based module, 'last' or 'all'. */
  layer: string;
  /** Called with each module's test accuracy as soon as its probe is done (module 0-based). */
  onModule?: (module: number, accuracy: number) => void;
}

/** evaluateAudioRun(args): linear `task` probes on the chosen modules of an audio run's frozen features. */
export async function evaluateAudioRun(args: EvaluateAudioRunArgs): Promise<RunEvaluation> {
  const { config, task } = args;
  if (task === 'phone' && !config.data.phones) throw noPhonesError(config);
  const data = await openAudioData(config);
  const { stack, step } = loadAudioStack(args.run, config, data);
  try {
    const modules = modulesToProbe(args.layer, stack.length);
    const windows = await audioProbeWindows(config, data);
    const accuracies = probeAudioModules({ stack, modules, task, windows, config, onModule: args.onModule });
    disposeAudioProbeWindows(windows);
    return { accuracy: Object.fromEntries(modules.map((module, i) => [evalModuleKey(module), accuracies[i]!])), step };
  } finally {
    stack.dispose();
  }
}
