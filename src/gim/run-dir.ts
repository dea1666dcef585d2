/** A run's directory: runs/<name>/{config.json, metrics.jsonl, checkpoints/step-XXXXXXX.safetensors, results}. */
import fs from 'node:fs';
import path from 'node:path';
import type { GradientIsolatedStack } from './stack.js';
import { restoreStack } from './state.js';
import { loadCheckpointSync, saveCheckpointSync, tidy, type Checkpoint, type Tensor } from '../tensor/index.js';

export interface RunDir {
  root: string;
  config: string;
  metrics: string;
  checkpoints: string;
}

/** runDir(base, name): the paths of a run (nothing is created). */
export function runDir(root: string): RunDir {
  return {
    root,
    config: path.join(root, 'config.json'),
    metrics: path.join(root, 'metrics.jsonl'),
    checkpoints: path.join(root, 'checkpoints'),
  };
}

const STEP_FILE = /^step-(\d+)\.safetensors$/;

/** checkpointPath(run, step): checkpoints/step-0000200.safetensors. */
export function checkpointPath(run: RunDir, step: number): string {
  return stepFile(run.checkpoints, step);
}

/** The step-XXXXXXX.safetensors checkpoints in `dir` (a run's, or one async module's), oldest first. */
export function listCheckpointFiles(dir: string): { step: number; file: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .flatMap((f) => {
      const m = STEP_FILE.exec(f);
      return m === null ? [] : [{ step: Number(m[1]), file: path.join(dir, f) }];
    })
    .sort((a, b) => a.step - b.step);
}

/** The run's checkpoints, oldest first. */
export function listCheckpoints(run: RunDir): { step: number; file: string }[] {
  return listCheckpointFiles(run.checkpoints);
}

/** latestCheckpoint(run): the newest checkpoint file, or null. */
export function latestCheckpoint(run: RunDir): { step: number; file: string } | null {
  return listCheckpoints(run).at(-1) ?? null;
}

/** pruneCheckpoints(dir, keep): delete all but the newest `keep` checkpoints in `dir`. */
export function pruneCheckpoints(dir: string, keep: number): void {
  const all = listCheckpointFiles(dir);
  for (const c of all.slice(0, Math.max(0, all.length - keep))) fs.rmSync(c.file, { force: true });
}

/** stepFile(dir, step): dir/step-0000200.safetensors. */
export function stepFile(dir: string, step: number): string {
  return path.join(dir, `step-${String(step).padStart(7, '0')}.safetensors`);
}

/** What a training checkpoint holds besides its tensors. */
export interface CheckpointMetadata {
  config: unknown;
  step: number;
  [key: string]: unknown;
}

/**
 * writeCheckpoint(args): the one place training writes a checkpoint — `state()` (evaluated inside tidy, so its
 * temporaries are freed) to `dir/step-XXXXXXX.safetensors` atomically, then all but the newest `keep` pruned.
 * Returns the file.
 */
export function writeCheckpoint(args: {
  dir: string;
  state: () => Map<string, Tensor>;
  metadata: CheckpointMetadata;
  keep: number;
}): string {
  fs.mkdirSync(args.dir, { recursive: true });
  const file = stepFile(args.dir, args.metadata.step);
  tidy(() => saveCheckpointSync(file, { tensors: args.state(), metadata: args.metadata }));
  pruneCheckpoints(args.dir, args.keep);
  return file;
}

/**
 * continueOrReplace(root): how a command that owns its run folders (reproduce) opens one: resume when it holds a
 * checkpoint, else overwrite what a run killed before its first checkpoint left there.
 */
export function continueOrReplace(root: string): { resume: boolean; overwrite: boolean } {
  const resume = latestCheckpoint(runDir(root)) !== null;
  return { resume, overwrite: !resume };
}

/** A stack restored from a run, and the step of the checkpoint it came from. */
export interface LoadedStack {
  stack: GradientIsolatedStack;
  step: number;
}

/**
 * restoreNewestCheckpoint(stack, root, log): restore `stack` from the newest checkpoint of the run at `root` that loads
 * and return its step. Newer checkpoints that do not load are reported and skipped, never renamed or deleted (this is
 * the read-only path of eval and reproduce; resume has its own); a packed model's weights-only checkpoint loads too. Without any loadable checkpoint the stack is
 * disposed and the error names the run.
 */
export function restoreNewestCheckpoint(
  stack: GradientIsolatedStack,
  root: string,
  log: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
): number {
  const found = listCheckpoints(runDir(root));
  for (const { step, file } of found.reverse()) {
    let checkpoint: Checkpoint;
    try {
      checkpoint = loadCheckpointSync(file);
    } catch (err) {
      log(`${(err as Error).message}\n  → skipped; using an older checkpoint`);
      continue;
    }
    try {
      restoreStack(checkpoint.tensors, stack, { weightsOnly: 'allowed' });
    } finally {
      for (const tensor of checkpoint.tensors.values()) tensor.dispose();
    }
    return step;
  }
  stack.dispose();
  throw new Error(
    found.length === 0
      ? `${root}: no checkpoint to evaluate (train first)`
      : `${root}: no checkpoint loads (see above)`,
  );
}
