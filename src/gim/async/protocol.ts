/**
 * Asynchronous module-parallel training: the messages between the main thread and the module workers, and the spec a
 * worker builds its module from. Everything here is structured-clonable; activations travel as transferred buffers.
 *
 *   main ──batch──► worker 0 ──batch──► worker 1 ──► … ──► worker M−1      (data ports, one bounded queue each)
 *        ◄─credit──          ◄─credit──                                   (one credit back per batch taken)
 *   main ◄─ready/metrics/done─ every worker; main ─stop─► every worker   (parentPort / worker.postMessage)
 */
import type { MessagePort } from 'node:worker_threads';
import type { AdamArgs } from '../../nn/index.js';
import type { GimModule } from '../module.js';

/**
 * Where a worker gets its module (the registry is the module system itself): the worker imports `module` (a file://
 * URL) and calls its export `export` with `args`. The factory builds every module of the stack, in order, from the
 * current libtorch seed; the worker keeps module m and disposes the rest. `src/gim` never imports a domain: the
 * factories live beside the experiments (src/experiments/async-factories.ts).
 */
export interface ModuleFactorySpec {
  /** file:// URL of an ES module (a `.ts` URL is loaded through tsx). */
  module: string;
  /** Name of the factory export: (args) => GimModule[]. */
  export: string;
  /** The factory's argument: structured-clonable (plain JSON is safest). */
  args: unknown;
}

/** The signature of a factory named by a ModuleFactorySpec. */
export type ModuleFactory = (args: never) => GimModule[];

/** Test-only: make module `module` (0-based) fail when it has made `step` updates. */
export interface FaultInjection {
  module: number;
  step: number;
  /** 'throw': an exception in the step; 'exit': the worker calls process.exit(3). */
  kind: 'throw' | 'exit';
}

/** One input of a module: a batch from the producer, or the detached output of the module before. */
export interface ActivationMessage {
  type: 'batch';
  /** Position of the batch in the producer's stream (the data step it came from). */
  seq: number;
  x: Float32Array | Float64Array;
  shape: number[];
  targets?: BigInt64Array;
  targetsShape?: number[];
  /** The sender's update count when it sent this (0 from the producer): staleness is measured against it. */
  count: number;
}

/** Downstream-bound messages on a data port. */
export type DataMessage = ActivationMessage | { type: 'end' };
/** Upstream-bound message on a data port: one queue slot freed. */
export interface CreditMessage {
  type: 'credit';
}

/** What the main thread hands each worker (workerData). */
export interface WorkerInit {
  module: number;
  modules: number;
  factory: ModuleFactorySpec;
  seed: number;
  threads: number;
  adam: AdamArgs;
  /** Train until this many own updates. */
  steps: number;
  /** Inputs the producer sends this run; the first `inputs − (steps − own step)` are only forwarded (catch-up). */
  inputs: number;
  queueCapacity: number;
  checkpointEvery: number;
  logEvery: number;
  keepCheckpoints: number;
  /** <run>/checkpoints/module<m> */
  checkpointDir: string;
  config: unknown;
  input: MessagePort;
  output: MessagePort | null;
  fault?: FaultInjection;
}

/** Mean and maximum of a series of non-negative numbers. */
export interface MeanMax {
  mean: number;
  max: number;
  count: number;
}

/** One module's record in metrics.jsonl (every logEvery own steps). */
export interface AsyncMetric {
  step: number;
  module: number;
  name: 'async';
  loss: number;
  accuracy?: number;
  batchesPerSec: number;
  samplesPerSec: number;
  queueMean: number;
  queueMax: number;
  stalenessMean: number;
  stalenessMax: number;
  seconds: number;
}

/** How one module's worker ended and what it measured over this run. */
export interface AsyncModuleSummary {
  module: number;
  status: 'finished' | 'stopped' | 'failed';
  /** Own update count at the end (what its newest checkpoint holds). */
  step: number;
  startStep: number;
  /** Updates made in this run and inputs only forwarded (catch-up after a resume). */
  trained: number;
  forwarded: number;
  seconds: number;
  batchesPerSec: number;
  samplesPerSec: number;
  /** Occupancy of its input queue, seen when it took each input (capacity = queueCapacity). */
  queue: MeanMax;
  /** Predecessor updates made since the predecessor sent each input it trained on (0 = as fresh as simultaneous). */
  staleness: MeanMax;
  /** Seconds spent waiting for input, waiting for room downstream, and computing. */
  waitInputSeconds: number;
  waitOutputSeconds: number;
  computeSeconds: number;
  firstLoss: number | null;
  lastLoss: number | null;
  checkpoint: string | null;
}

/** Worker → main. */
export type WorkerReport =
  | { type: 'ready'; module: number; step: number }
  | { type: 'metrics'; record: AsyncMetric }
  | { type: 'done'; summary: AsyncModuleSummary }
  | { type: 'failed'; module: number; message: string; nonFinite: boolean };

/** Main → worker. */
export interface StopMessage {
  type: 'stop';
}
