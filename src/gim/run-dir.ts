/** A run's directory: runs/<name>/{config.json, metrics.jsonl, checkpoints/step-XXXXXXX.safetensors, results}. */
import fs from 'node:fs';
import path from 'node:path';
import { restoreStack, type GradientIsolatedStack } from './index.js';
import { loadCheckpointSync, type Checkpoint } from '../tensor/index.js';

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
  return path.join(run.checkpoints, `step-${String(step).padStart(7, '0')}.safetensors`);
}

/** The run's checkpoints, oldest first. */
export function listCheckpoints(run: RunDir): { step: number; file: string }[] {
  if (!fs.existsSync(run.checkpoints)) return [];
  return fs
    .readdirSync(run.checkpoints)
    .flatMap((f) => {
      const m = STEP_FILE.exec(f);
      return m === null ? [] : [{ step: Number(m[1]), file: path.join(run.checkpoints, f) }];
    })
    .sort((a, b) => a.step - b.step);
}

/** latestCheckpoint(run): the newest checkpoint file, or null. */
export function latestCheckpoint(run: RunDir): { step: number; file: string } | null {
  return listCheckpoints(run).at(-1) ?? null;
}

/** pruneCheckpoints(run, keep): delete all but the newest `keep` checkpoints. */
export function pruneCheckpoints(run: RunDir, keep: number): void {
  const all = listCheckpoints(run);
  for (const c of all.slice(0, Math.max(0, all.length - keep))) fs.rmSync(c.file, { force: true });
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
 * the read-only path of eval and reproduce; resume has its own). Without any loadable checkpoint the stack is
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
      restoreStack(checkpoint.tensors, stack);
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
