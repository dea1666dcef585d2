/**
 * Iterative Greedy InfoMax on cached activations: module 1 trains on the data; then module 1's outputs for the whole
 * (finite) dataset of batches are computed once and cached (see ActivationCache), and module 2 trains over that cache;
 * then module 2's outputs become module 3's cache, and so on. Module i never recomputes, nor holds in memory, the
 * frozen modules < i — the memory saving that gradient isolation allows (the reference repository's issue #22).
 *
 * The schedule gives each module a number of updates; update k of a module uses batch k mod count (epoch ⌊k/count⌋).
 * Without augmentation inside the batches, module i's updates equal those of GradientIsolatedStack.trainStep in
 * iterative mode fed the same batches in the same order: the cache only stores what the frozen modules would compute.
 */
import fs from 'node:fs';
import path from 'node:path';
import { clone, keep, tidy, type Tensor } from '../tensor/index.js';
import { yieldToEventLoop } from '../util/interrupt.js';
import { ActivationCache } from './cache.js';
import type { GradientIsolatedStack, StepMetrics } from './stack.js';

/** One batch of the dataset: the input of module 1 and, for supervised modules, labels. */
export interface DataBatch {
  x: Tensor;
  targets?: Tensor;
  dispose(): void;
}

/** A finite dataset of batches; batch(i) must give the same batch for the same i (fixed views, fixed order). */
export interface BatchSource {
  count: number;
  batch(i: number): DataBatch | Promise<DataBatch>;
}

/** What happened in one update. */
export interface CachedUpdate {
  /** Updates before this one, over all modules (the global step). */
  update: number;
  module: number;
  epoch: number;
  batch: number;
  metrics: StepMetrics;
  /** Seconds this update took (the cache build is not included). */
  seconds: number;
}

/** The schedule, the caches' budget and folder, and callbacks. */
export interface IterativeCachedArgs {
  /** Updates of each module, module 1 first (one entry per module of the stack; 0 skips a module). */
  updates: readonly number[];
  /** Folder for the caches that spill to disk (module i's cache in `dir/module-<i+1>`). */
  dir: string;
  /** Bytes of activations a cache keeps in memory before it spills to disk. */
  budgetBytes: number;
  /** Size at which a chunk file is closed (default 64 MiB). */
  chunkBytes?: number;
  /** Resume: skip the first `start` updates (the modules they belong to are taken as trained). */
  start?: number;
  /** Checked after every update and every cached batch (after yielding to the event loop): true stops (Ctrl-C). */
  shouldStop?: () => boolean;
  /** Called after every update; return true to stop (e.g. after Ctrl-C). */
  onUpdate?: (u: CachedUpdate) => boolean | void;
  /** Called when a cache is built: the (0-based) module that reads it, its size, and the seconds the pass took. */
  onCache?: (c: { module: number; memoryBytes: number; diskBytes: number; seconds: number }) => void;
}

/** How far training got. */
export interface IterativeCachedResult {
  /** Updates done in all (counting skipped ones when resuming). */
  updates: number;
  stopped: boolean;
}

/** trainIterativeCached(stack, data, args): train modules one after another, each on the cached outputs of the last. */
export async function trainIterativeCached(
  stack: GradientIsolatedStack,
  data: BatchSource,
  args: IterativeCachedArgs,
): Promise<IterativeCachedResult> {
  const M = stack.length;
  if (args.updates.length !== M)
    throw new Error(`trainIterativeCached: ${args.updates.length} schedules for ${M} modules`);
  if (!Number.isInteger(data.count) || data.count < 1) throw new Error('trainIterativeCached: needs ≥ 1 batch');
  const start = args.start ?? 0;
  const total = args.updates.reduce((a, b) => a + b, 0);
  let cache: ActivationCache | null = null; // module m's inputs (null: the data itself)
  const targets: (Tensor | undefined)[] = [];
  let base = 0;
  try {
    for (let m = 0; m < M; m++) {
      const n = args.updates[m]!;
      for (let k = Math.max(0, start - base); k < n; k++) {
        const i = k % data.count;
        const t0 = performance.now();
        let metrics: StepMetrics;
        if (cache === null) {
          const b = await data.batch(i);
          try {
            metrics = stack.trainModuleOn(m, b.x, b.targets);
          } finally {
            b.dispose();
          }
        } else {
          const c: ActivationCache = cache;
          metrics = tidy(() => stack.trainModuleOn(m, c.get(i), targets[i]));
        }
        const u = { update: base + k, module: m, epoch: Math.floor(k / data.count), batch: i, metrics };
        const seconds = (performance.now() - t0) / 1000;
        await yieldToEventLoop(); // signals are delivered and progress bars redraw here
        if (args.onUpdate?.({ ...u, seconds }) === true || args.shouldStop?.() === true) {
          return { updates: base + k + 1, stopped: true };
        }
      }
      base += n;
      if (base >= total) break; // no later module trains: no cache needed
      const next = await buildCache(stack, m, data, cache, targets, args);
      cache?.dispose();
      cache = next;
      if (next === null) return { updates: base, stopped: true };
    }
    return { updates: total, stopped: false };
  } finally {
    cache?.dispose();
    for (const t of targets) t?.dispose();
    removeIfEmpty(args.dir);
  }
}

function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir); // fails unless empty
  } catch {
    // absent, or holds other files: leave it
  }
}

/** Module m's outputs for every batch (its input read from `cache`, or the data when null), in a new cache. */
async function buildCache(
  stack: GradientIsolatedStack,
  m: number,
  data: BatchSource,
  cache: ActivationCache | null,
  targets: (Tensor | undefined)[],
  args: IterativeCachedArgs,
): Promise<ActivationCache | null> {
  const t0 = performance.now();
  const next = new ActivationCache({
    budgetBytes: args.budgetBytes,
    dir: path.join(args.dir, `module-${m + 2}`),
    ...(args.chunkBytes === undefined ? {} : { chunkBytes: args.chunkBytes }),
  });
  try {
    for (let i = 0; i < data.count; i++) {
      if (cache === null) {
        const b = await data.batch(i);
        try {
          targets[i] = b.targets === undefined ? undefined : keep(clone(b.targets));
          tidy(() => next.put(i, stack.encodeModule(m, b.x)));
        } finally {
          b.dispose();
        }
      } else {
        const c: ActivationCache = cache;
        tidy(() => next.put(i, stack.encodeModule(m, c.get(i))));
      }
      await yieldToEventLoop();
      if (args.shouldStop?.() === true) {
        next.dispose();
        return null;
      }
    }
  } catch (e) {
    next.dispose();
    throw e;
  }
  const s = (performance.now() - t0) / 1000;
  args.onCache?.({ module: m + 1, memoryBytes: next.memoryBytes, diskBytes: next.diskBytes, seconds: s });
  return next;
}
