/**
 * Per-module checkpoints of an async run: `<run>/checkpoints/module<m>/step-XXXXXXX.safetensors` (m 0-based, as in
 * stackState's keys), each one module's `model.*` + `optim.*` (moduleAndOptimizerState), written atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import { moduleAndOptimizerState, restoreModuleAndOptimizer, type Adam, type Module } from '../../nn/index.js';
import { loadCheckpointSync, tidy } from '../../tensor/index.js';
import { listCheckpointFiles, writeCheckpoint } from '../run-dir.js';

/** moduleCheckpointDir(run, m): <run>/checkpoints/module<m>. */
export function moduleCheckpointDir(run: string, module: number): string {
  return path.join(run, 'checkpoints', `module${module}`);
}

/** A module's checkpoints in `dir`, oldest first. */
export const listModuleCheckpoints = listCheckpointFiles;

/** The newest checkpoint in `dir`, or null. */
export function latestModuleCheckpoint(dir: string): { step: number; file: string } | null {
  return listModuleCheckpoints(dir).at(-1) ?? null;
}

/** Metadata stored with each module checkpoint. */
export interface ModuleCheckpointMeta {
  config: unknown;
  module: number;
  modules: number;
  /** The run's train.mode (default 'async'). */
  mode?: string;
}

/** saveModuleCheckpoint(dir, step, module, adam, meta, keep): write step-XXXXXXX.safetensors, keep the newest `keep`. */
export function saveModuleCheckpoint(
  dir: string,
  step: number,
  module: Module,
  optimizer: Adam | undefined,
  meta: ModuleCheckpointMeta,
  keep = 3,
): string {
  return writeCheckpoint({
    dir,
    state: () => moduleAndOptimizerState(module, optimizer),
    metadata: { config: meta.config, step, module: meta.module, modules: meta.modules, mode: meta.mode ?? 'async' },
    keep,
  });
}

/** restoreModuleCheckpoint(file, module, adam?): load one module checkpoint in place; returns its step. */
export function restoreModuleCheckpoint(file: string, module: Module, optimizer?: Adam): number {
  return tidy(() => {
    const ckpt = loadCheckpointSync(file);
    restoreModuleAndOptimizer(ckpt.tensors, module, optimizer);
    return ckpt.step;
  });
}

/** restoreAsyncModules(run, modules, optimizers?): every module from its newest checkpoint; returns their steps. */
export function restoreAsyncModules(run: string, modules: readonly Module[], optimizers?: readonly Adam[]): number[] {
  return modules.map((module, m) => {
    const last = latestModuleCheckpoint(moduleCheckpointDir(run, m));
    if (last === null) throw new Error(`${run}: module ${m} has no checkpoint in ${moduleCheckpointDir(run, m)}`);
    return restoreModuleCheckpoint(last.file, module, optimizers?.[m]);
  });
}

/** clearAsyncCheckpoints(run): delete every module<m>/step-*.safetensors (a fresh, non-resumed start). */
export function clearAsyncCheckpoints(run: string): void {
  const root = path.join(run, 'checkpoints');
  if (!fs.existsSync(root)) return;
  for (const d of fs.readdirSync(root)) {
    if (!/^module\d+$/.test(d)) continue;
    for (const c of listModuleCheckpoints(path.join(root, d))) fs.rmSync(c.file, { force: true });
  }
}
