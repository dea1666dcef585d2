/**
 * A trained encoder outside the trainer: the modules of a run (or of a packed model, `gim pack`) restored from the
 * newest checkpoint that loads, up to one module, with `embed(x)` for tensors and `embedFile(path)` for files.
 * Only the `model.*` tensors are read, so a run's checkpoint and a pack's optimizer-free weights load the same way.
 */
import fs from 'node:fs';
import { buildAudioModules, type AudioObjective } from '../audio/model.js';
import { GradientIsolatedStack, type GimModule } from '../gim/index.js';
import { listCheckpoints, runDir } from '../gim/run-dir.js';
import { restoreModuleAndOptimizer } from '../nn/index.js';
import {
  keep,
  loadCheckpointSync,
  manualSeed,
  mean,
  noGrad,
  tidy,
  type Checkpoint,
  type Tensor,
} from '../tensor/index.js';
import { PHONE_CLASSES } from './audio/experiment.js';
import type { AudioConfig } from './audio/config.js';
import { readEncoderInput, type EncoderInput } from './encoder-inputs.js';
import { openModelSource, type ModelSource } from './pack.js';
import { readRunConfig, type RunConfig } from './run-eval.js';
import { buildVisionStackModules } from './vision/experiment.js';
import type { VisionConfig } from './vision/config.js';

/** How embed reduces a module's features: `mean` (audio: over time → [B, D]; vision: over the grid → [B, C]) or `none`. */
export type Pool = 'mean' | 'none';

export interface LoadEncoderArgs {
  /** A run folder (config.json, checkpoints/). */
  run?: string;
  /** A packed model (`gim pack`), read like a run. Exactly one of run and from. */
  from?: string;
  /** The module whose features are returned, 1-based (default: the last). */
  module?: number;
}

export interface EmbedArgs {
  pool?: Pool;
}

/** One row of features for a file (or, for an IDX file, for each of its images: `path#index`). */
export interface EmbeddedRow {
  path: string;
  features: Tensor; // pool mean: [D]; none: audio [T, D], vision [C, gh, gw]
}

export interface EmbedFileArgs extends EmbedArgs {
  /** Called after each audio window or image: done of total. */
  onProgress?: (done: number, total: number) => void;
}

export interface Encoder {
  readonly experiment: 'audio' | 'vision';
  readonly config: AudioConfig | VisionConfig;
  /** Modules of the run's stack. */
  readonly modules: number;
  /** The module embed reads, 1-based. */
  readonly module: number;
  /** The training step of the checkpoint the weights came from. */
  readonly step: number;
  /**
   * embed(x): audio x [B, 1, samples] at 16 kHz (normalised as the run's data.normalize) → [B, D] or [B, T, D];
   * vision x [B, C, crop, crop] normalised as the run's config → [B, C'] or the grid [B, C', gh, gw]. No gradient.
   */
  embed(x: Tensor, args?: EmbedArgs): Tensor;
  /** The features of a file: audio (FLAC, WAV, Ogg: sox), PNG, or an IDX image file (one row per image). */
  embedFile(path: string, args?: EmbedFileArgs): Promise<EmbeddedRow[]>;
  dispose(): void;
}

/** The newest checkpoint of `dir` that loads; newer ones that do not are reported through `log` and skipped. */
function newestCheckpoint(dir: string, log: (line: string) => void): Checkpoint {
  const found = listCheckpoints(runDir(dir)).reverse();
  for (const { file } of found) {
    try {
      return loadCheckpointSync(file);
    } catch (err) {
      log(`${(err as Error).message}\n  → skipped; using an older checkpoint`);
    }
  }
  throw new Error(
    found.length === 0 ? `${dir}: no checkpoint (train first)` : `${dir}: no checkpoint loads (see above)`,
  );
}

/** The class count of a supervised head, read off its weight's rows in the checkpoint (`…<head>.weight` [classes, D]). */
function headClasses(tensors: ReadonlyMap<string, Tensor>, head: string, file: string): number {
  for (const [key, t] of tensors) if (key.endsWith(`.model.${head}.weight`)) return t.shape[0]!;
  throw new Error(`${file}: a supervised run's checkpoint without its '${head}' weights`);
}

/** Fresh modules of the run's architecture (seeded as the run was), supervised heads sized from the checkpoint. */
function buildModules(runConfig: RunConfig, tensors: ReadonlyMap<string, Tensor>): GimModule[] {
  if (runConfig.experiment === 'vision') {
    const { config } = runConfig;
    const objective = config.train.objective;
    const head = objective === 'supervised' ? 'classifier.linear' : objective === 'predsim' ? 'loss.classifier' : null;
    return buildVisionStackModules(config, head === null ? 1 : headClasses(tensors, head, runConfig.file));
  }
  const { config } = runConfig;
  const kind = config.train.objective;
  const objective: AudioObjective =
    kind === 'speaker'
      ? { kind, classes: headClasses(tensors, 'classifier', runConfig.file) }
      : kind === 'phone'
        ? { kind, classes: PHONE_CLASSES }
        : { kind: 'infonce' };
  manualSeed(config.seed);
  return buildAudioModules(config.model, objective);
}

/** Load every module's `model.*` tensors from the checkpoint's `module{m}.model.*` (optimizer state is ignored). */
function restoreModels(modules: readonly GimModule[], tensors: ReadonlyMap<string, Tensor>, file: string): void {
  const perModule = modules.map(() => new Map<string, Tensor>());
  for (const [key, t] of tensors) {
    const match = /^module(\d+)\.(model\..*)$/.exec(key);
    if (match === null) continue;
    const into = perModule[Number(match[1])];
    if (into === undefined)
      throw new Error(`${file}: has module ${match[1]}, the run's config builds ${modules.length}`);
    into.set(match[2]!, t);
  }
  perModule.forEach((state, m) => {
    if (state.size === 0) throw new Error(`${file}: no weights for module ${m + 1}`);
    try {
      restoreModuleAndOptimizer(state, modules[m]!);
    } catch (err) {
      throw new Error(`${file}: module ${m + 1}: ${(err as Error).message}`, { cause: err });
    }
  });
}

/** The 1-based module to read, checked against the stack's length (default: the last). */
function chooseModule(module: number | undefined, modules: number): number {
  if (module === undefined) return modules;
  if (!Number.isInteger(module) || module < 1 || module > modules) {
    throw new Error(`module ${module}: the run has modules 1..${modules}`);
  }
  return module;
}

/** An encoder over an open model source (a run folder, or a pack unpacked to a temporary folder). */
class TrainedEncoder implements Encoder {
  readonly experiment: 'audio' | 'vision';
  readonly config: AudioConfig | VisionConfig;
  readonly modules: number;
  readonly module: number;
  readonly step: number;
  readonly #runConfig: RunConfig;
  readonly #stack: GradientIsolatedStack;
  readonly #source: ModelSource;

  constructor(source: ModelSource, module: number | undefined, log: (line: string) => void) {
    this.#source = source;
    this.#runConfig = readRunConfig(source.dir);
    this.experiment = this.#runConfig.experiment;
    this.config = this.#runConfig.config;
    const checkpoint = newestCheckpoint(source.dir, log);
    try {
      const modules = buildModules(this.#runConfig, checkpoint.tensors);
      this.#stack = new GradientIsolatedStack(modules, { lr: this.config.train.lr });
      restoreModels(modules, checkpoint.tensors, `${source.name} (step ${checkpoint.step})`);
    } finally {
      for (const t of checkpoint.tensors.values()) t.dispose();
    }
    this.step = checkpoint.step;
    this.modules = this.#stack.length;
    this.module = chooseModule(module, this.modules);
  }

  embed(x: Tensor, args: EmbedArgs = {}): Tensor {
    const pool = args.pool ?? 'mean';
    const expected = this.experiment === 'audio' ? 3 : 4;
    if (x.rank !== expected) {
      throw new Error(
        `embed: ${this.experiment} input must be ${this.experiment === 'audio' ? '[B, 1, samples]' : '[B, C, H, W]'}, got [${x.shape.join(', ')}]`,
      );
    }
    return noGrad(() =>
      tidy(() => {
        const features = this.#stack.features(x, this.module - 1)[this.module - 1]!; // audio [B, T, D]; vision [B, C, gh, gw]
        if (pool === 'none') return keep(features);
        return keep(this.experiment === 'audio' ? mean(features, 1) : mean(features, [2, 3])); // [B, D] | [B, C]
      }),
    );
  }

  async embedFile(path: string, args: EmbedFileArgs = {}): Promise<EmbeddedRow[]> {
    const input: EncoderInput = await readEncoderInput(path, this.#runConfig);
    return input.embedWith((x, pool) => this.embed(x, { pool }), args.pool ?? 'mean', args.onProgress);
  }

  dispose(): void {
    this.#stack.dispose();
    this.#source.close();
  }
}

/**
 * loadEncoder(args): the encoder of a run (`run`) or a packed model (`from`), up to `module` (1-based, default the
 * last), weights from the newest checkpoint that loads. dispose() frees it (and a pack's temporary folder).
 */
export async function loadEncoder(
  args: LoadEncoderArgs,
  log: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
): Promise<Encoder> {
  if ((args.run === undefined) === (args.from === undefined)) {
    throw new Error('loadEncoder: give exactly one of run (a run folder) and from (a packed model, gim pack)');
  }
  if (args.run !== undefined && !fs.statSync(args.run, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`${args.run}: no such run directory`);
  }
  const source = await openModelSource(args);
  try {
    return new TrainedEncoder(source, args.module, log);
  } catch (err) {
    source.close();
    throw err;
  }
}
