/**
 * `gim eval`: linear probes on a trained run's frozen features (audio: speaker | phone; vision: class), merged into
 * <run>/eval-<probe>.json. The run is evaluated with the config stored in its newest checkpoint (what its weights were
 * trained with), else its config.json, validated as a run config object; every error names the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MAX_HEADER_BYTES } from '../tensor/safetensors.js';
import { setNumThreads } from '../tensor/index.js';
import { savedAudioConfig, type AudioConfig } from './audio/config.js';
import { evaluateAudioRun } from './audio/eval.js';
import { evalResultsFile, mergeEvalResults, type EvalProbe, type RunEvaluation } from './eval-results.js';
import { listCheckpoints, runDir } from '../gim/run-dir.js';
import { savedVisionConfig, type VisionConfig } from './vision/config.js';
import { evaluateVisionRun } from './vision/eval.js';
import { openModelSource } from './pack.js';

/** A run's validated config and the file it came from. */
export type RunConfig =
  | { experiment: 'audio'; config: AudioConfig; file: string }
  | { experiment: 'vision'; config: VisionConfig; file: string };

const HEADER_LENGTH_BYTES = 8;

/** What a JSON value is, for messages: `an array`, `the number 1`, `null`. */
function describeJson(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

/** The JSON text of the config stored in a checkpoint's safetensors header (nothing else of the file is read). */
function checkpointConfigText(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(HEADER_LENGTH_BYTES);
    if (fs.readSync(fd, head, 0, HEADER_LENGTH_BYTES, 0) < HEADER_LENGTH_BYTES) throw new Error('file too short');
    const length = Number(head.readBigUInt64LE(0));
    if (length > MAX_HEADER_BYTES) throw new Error(`header length ${length} is implausible`);
    const header = Buffer.alloc(length);
    if (fs.readSync(fd, header, 0, length, HEADER_LENGTH_BYTES) < length) throw new Error('header is cut off');
    const meta = (JSON.parse(header.toString('utf8')) as { __metadata__?: Record<string, unknown> }).__metadata__;
    const config = meta?.config;
    if (typeof config !== 'string') throw new Error("no 'config' in the checkpoint metadata");
    return config;
  } finally {
    fs.closeSync(fd);
  }
}

/** Parse `text` (from `file`) and validate it as an audio or vision run config; errors name the file. */
export function parseRunConfig(text: string, file: string): RunConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: the run config is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${file}: the run config must be a JSON object, got ${describeJson(value)}`);
  }
  const experiment = (value as { experiment?: unknown }).experiment;
  try {
    if (experiment === 'audio') return { experiment, config: savedAudioConfig(value), file };
    if (experiment === 'vision') return { experiment, config: savedVisionConfig(value), file };
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  throw new Error(
    `${file}: the run config's 'experiment' must be "audio" or "vision", got ${describeJson(experiment)}`,
  );
}

/** The config to evaluate `run` with: from its newest checkpoint, else config.json (see the module comment). */
export function readRunConfig(run: string): RunConfig {
  if (!fs.statSync(run, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${run}: no such run directory`);
  // Newest first; a checkpoint whose header cannot be read is skipped like its weights are (restoreNewestCheckpoint).
  const problems: string[] = [];
  for (const { file } of listCheckpoints(runDir(run)).reverse()) {
    let text: string;
    try {
      text = checkpointConfigText(file);
    } catch (err) {
      problems.push(`${file}: cannot read the config stored in the checkpoint: ${(err as Error).message}`);
      continue;
    }
    return parseRunConfig(text, file);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const file = path.join(run, 'config.json');
  if (!fs.existsSync(file)) throw new Error(`${run}: no checkpoint and no config.json (is this a run directory?)`);
  return parseRunConfig(fs.readFileSync(file, 'utf8'), file);
}

export interface EvaluateRunArgs {
  /** The run folder. */
  run?: string;
  /** A packed model (gim pack) instead of run: evaluated in a temporary folder, its results only returned. */
  from?: string;
  probe: EvalProbe;
  /** The modules probed: a 1-based module, 'last' or 'all'. */
  layer: string;
  /** Called with each module's test accuracy (module 0-based) as the probes finish. */
  onModule?: (module: number, accuracy: number) => void;
}

/**
 * evaluateRun(args): probe the chosen modules of the run (audio or vision, as its config says) and merge the test
 * accuracies into <run>/eval-<probe>.json (a packed model's are only returned); returns this evaluation's accuracies and the checkpoint step probed.
 */
export async function evaluateRun(args: EvaluateRunArgs): Promise<RunEvaluation> {
  if ((args.run === undefined) === (args.from === undefined)) {
    throw new Error('evaluateRun: give exactly one of run (a run folder) and from (a packed model, gim pack)');
  }
  const source = await openModelSource(args);
  try {
    return await evaluateFolder(source.dir, args, args.from === undefined);
  } finally {
    source.close();
  }
}

/** Probe the run in `run`; merge the accuracies into its eval-<probe>.json when `keep`. */
async function evaluateFolder(run: string, args: EvaluateRunArgs, keep: boolean): Promise<RunEvaluation> {
  const { probe, layer, onModule } = args;
  const runConfig = readRunConfig(run);
  setNumThreads(runConfig.config.threads); // as the run trained (libtorch's own default here is 1)
  let evaluation: RunEvaluation;
  if (runConfig.experiment === 'vision') {
    if (probe !== 'class') throw new Error(`--probe ${probe}: a vision run is probed with --probe class`);
    evaluation = evaluateVisionRun({ run, config: runConfig.config, layer, onModule });
  } else {
    if (probe === 'class') throw new Error('--probe class: an audio run is probed with --probe speaker or phone');
    evaluation = await evaluateAudioRun({ run, config: runConfig.config, task: probe, layer, onModule });
  }
  if (keep) mergeEvalResults(evalResultsFile(run, probe), probe, evaluation);
  return evaluation;
}
