/**
 * trainAsync: asynchronous module-parallel Greedy InfoMax. Each module trains in its own worker thread, fed through a
 * bounded queue by the module before it (module 1 by the main thread's batch producer); no module ever waits for a
 * later module's learning. The main thread feeds, relays metrics to `record`, and coordinates stopping: the caller's
 * abort signal (the trainer's Ctrl-C), a time limit, or any worker's crash stops every worker, each saving its
 * checkpoint; all exits are awaited. The training shell (../training/async.ts) runs it in `train.mode: async`.
 *
 * Limits. libtorch's CPU random generator is process-wide: the workers' negative sampling shares it, so an async run is
 * not bit-reproducible (its interleaving is not either); the initial parameters are (built here from the seed). Each
 * worker's thread count is its own OpenMP team size (OpenBLAS's OpenMP build follows it); workers × threads should not
 * exceed the cores. Staleness is measured against the newest update count the consumer has seen, so it can miss the
 * one update its predecessor may have in flight.
 */
import { MessageChannel, type Worker } from 'node:worker_threads';
import type { AdamArgs } from '../../nn/index.js';
import type { MetricInput } from '../../report/metrics.js';
import { getNumThreads } from '../../tensor/index.js';
import { Outbox, StopSignal } from './channel.js';
import { moduleCheckpointDir } from './checkpoints.js';
import { placeholderSummary, prepareAsyncRun } from './prepare.js';
import type { AsyncMetric, AsyncModuleSummary, FaultInjection, ModuleFactorySpec, WorkerReport } from './protocol.js';
import { spawnModuleWorker } from './spawn.js';

/** One batch for module 1, as plain arrays; its buffers are transferred to the worker (do not reuse them). */
export interface AsyncBatch {
  x: Float32Array | Float64Array;
  shape: number[];
  targets?: BigInt64Array;
  targetsShape?: number[];
}

/** What trainAsync needs. Checkpoints go to <run>/checkpoints/module<m>/, metrics lines to `record`. */
export interface AsyncTrainArgs {
  run: string;
  factory: ModuleFactorySpec;
  /** The batch of data step `index`, a pure function of (seed, index) as TrainTask.batch. */
  batch(index: number): Promise<AsyncBatch>;
  /** Own updates each module makes in total (a resumed run continues each module from its own checkpoint). */
  steps: number;
  seed: number;
  adam?: AdamArgs;
  /** libtorch threads per worker: one number for all, or one per module (default 1). */
  threads?: number | readonly number[];
  /** Batches a queue holds before its sender waits (default 2). */
  queueCapacity?: number;
  checkpointEvery: number;
  logEvery: number;
  keepCheckpoints?: number;
  resume: boolean;
  /** Stored in every checkpoint's metadata. */
  config?: unknown;
  /** Stop every worker (saving) this many seconds after all are ready (built and restored): outcome 'time-limit'. */
  maxSeconds?: number;
  /** After a stop, workers not gone within this many seconds are terminated (default 60). */
  stopTimeoutSeconds?: number;
  /** Stop (outcome 'interrupted') when this signal aborts: the trainer aborts it on Ctrl-C or SIGTERM. */
  signal?: AbortSignal;
  /** Where every metrics line goes (the trainer's metrics.jsonl). */
  record: (r: MetricInput) => void;
  onMetric?: (r: AsyncMetric) => void;
  log?: (line: string) => void;
  /** Test only: make one module fail. */
  fault?: FaultInjection;
}

/** How a run ended ('failed' only on the result an AsyncWorkerError carries). */
export type AsyncOutcome = 'finished' | 'interrupted' | 'time-limit' | 'diverged' | 'failed';

/** What trainAsync returns: how it ended, per-module summaries (0-based module index), wall time. */
export interface AsyncTrainResult {
  outcome: AsyncOutcome;
  /** Wall time of the whole call, and of training alone: from when every worker was ready until all had exited. */
  seconds: number;
  trainSeconds: number;
  /** Batches the producer sent to module 1. */
  produced: number;
  startSteps: number[];
  modules: AsyncModuleSummary[];
}

/** A worker crashed or exited early; the others were stopped and saved. `module` is 0-based, the message 1-based. */
export class AsyncWorkerError extends Error {
  constructor(
    readonly module: number,
    readonly code: number | null,
    detail: string,
    readonly result: AsyncTrainResult,
  ) {
    super(`module ${module + 1} worker exited with code ${code ?? 'null'}: ${detail}`);
  }
}

type StopReason = 'interrupted' | 'time-limit' | 'diverged' | 'failed';

/** trainAsync(args): run the pipeline to `steps` own updates per module (or until stopped); see the file comment. */
export async function trainAsync(args: AsyncTrainArgs): Promise<AsyncTrainResult> {
  const started = performance.now();
  const log = args.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  getNumThreads(); // fix the main thread's own libtorch thread count before the workers change the process-wide one
  const startSteps = await prepareAsyncRun(args);
  const M = startSteps.length;
  if (args.resume) log(`resume: modules continue from steps ${startSteps.join(', ')} (of ${args.steps})`);
  const inputs = Math.max(0, ...startSteps.map((s) => args.steps - s));
  const dirs = startSteps.map((_, m) => moduleCheckpointDir(args.run, m));
  let readyAt: number | null = null;
  const result = (outcome: AsyncOutcome, produced: number, modules: AsyncModuleSummary[]): AsyncTrainResult => ({
    outcome,
    seconds: (performance.now() - started) / 1000,
    trainSeconds: readyAt === null ? 0 : (performance.now() - readyAt) / 1000,
    produced,
    startSteps,
    modules,
  });
  if (inputs === 0)
    return result(
      'finished',
      0,
      startSteps.map((s, m) => placeholderSummary(m, 'finished', dirs[m]!, s)),
    );

  const capacity = args.queueCapacity ?? 2;
  const threads = (m: number): number => (typeof args.threads === 'number' ? args.threads : (args.threads?.[m] ?? 1));
  const channels = startSteps.map(() => new MessageChannel()); // channel m feeds module m
  const workers: Worker[] = startSteps.map((_, m) =>
    spawnModuleWorker({
      module: m,
      modules: M,
      factory: args.factory,
      seed: args.seed,
      threads: threads(m),
      adam: args.adam ?? {},
      steps: args.steps,
      inputs,
      queueCapacity: capacity,
      checkpointEvery: args.checkpointEvery,
      logEvery: args.logEvery,
      keepCheckpoints: args.keepCheckpoints ?? 3,
      checkpointDir: dirs[m]!,
      config: args.config ?? null,
      input: channels[m]!.port2,
      output: m + 1 < M ? channels[m + 1]!.port1 : null,
      ...(args.fault === undefined ? {} : { fault: args.fault }),
    }),
  );

  // --- coordination state
  const stop = new StopSignal();
  let reason: StopReason | null = null;
  let failure: { module: number; code: number | null; message: string } | null = null;
  const summaries: (AsyncModuleSummary | undefined)[] = new Array(M);
  const errors: (string | undefined)[] = new Array(M);
  const exited: boolean[] = new Array<boolean>(M).fill(false);
  let nonFinite = false;
  let killTimer: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined; // maxSeconds counts from when every worker is ready
  let ready = 0;
  const stopAll = (why: StopReason): void => {
    reason ??= why;
    if (stop.requested) return;
    stop.request();
    workers.forEach((w, m) => exited[m] || w.postMessage({ type: 'stop' }));
    killTimer = setTimeout(
      () => {
        workers.forEach((w, m) => {
          if (exited[m]) return;
          errors[m] ??= `it did not stop within ${args.stopTimeoutSeconds ?? 60} s and was terminated`;
          log(`module ${m + 1} worker: ${errors[m]}`);
          void w.terminate();
        });
      },
      (args.stopTimeoutSeconds ?? 60) * 1000,
    );
  };

  const exits = workers.map(
    (w, m) =>
      new Promise<void>((resolve) => {
        w.on('message', (r: WorkerReport) => {
          if (r.type === 'ready' && ++ready === M) {
            readyAt = performance.now();
            if (args.maxSeconds !== undefined)
              deadline = setTimeout(() => stopAll('time-limit'), args.maxSeconds * 1000);
          } else if (r.type === 'metrics') {
            args.record({ ...r.record });
            args.onMetric?.(r.record);
          } else if (r.type === 'done') summaries[m] = r.summary;
          else if (r.type === 'failed') {
            errors[m] ??= r.message;
            nonFinite ||= r.nonFinite;
          }
        });
        w.on('error', (e) => void (errors[m] ??= e.message));
        w.on('exit', (code) => {
          exited[m] = true;
          if (code !== 0 || summaries[m] === undefined) {
            failure ??= { module: m, code, message: errors[m] ?? 'it exited without reporting an error' };
            stopAll(nonFinite ? 'diverged' : 'failed');
          }
          resolve();
        });
      }),
  );
  const onAbort = (): void => stopAll('interrupted');
  if (args.signal?.aborted) onAbort();
  args.signal?.addEventListener('abort', onAbort);

  // --- produce: batches start-index … steps−1 into module 1's queue
  const feed = new Outbox(channels[0]!.port1, capacity);
  const first = args.steps - inputs;
  let produced = 0;
  let producerError: unknown = null;
  try {
    while (produced < inputs && (await feed.acquire(stop))) {
      const b = await args.batch(first + produced);
      if (stop.requested) break;
      feed.send({ type: 'batch', seq: first + produced, count: 0, ...b });
      produced++;
    }
    if (!stop.requested) feed.end();
  } catch (e) {
    producerError = e;
    stopAll('failed');
  }
  await Promise.all(exits);
  clearTimeout(killTimer);
  clearTimeout(deadline);
  args.signal?.removeEventListener('abort', onAbort);
  feed.close();

  const modules = startSteps.map((s, m) => summaries[m] ?? placeholderSummary(m, 'failed', dirs[m]!, s));
  for (const s of modules) {
    const { queue, staleness, ...rest } = s;
    args.record({
      ...rest,
      name: 'async-summary',
      queueMean: queue.mean,
      queueMax: queue.max,
      stalenessMean: staleness.mean,
      stalenessMax: staleness.max,
    });
  }
  const f = failure as { module: number; code: number | null; message: string } | null;
  const outcome: AsyncOutcome = reason ?? 'finished';
  if (producerError !== null) {
    const msg = producerError instanceof Error ? producerError.message : String(producerError);
    throw new Error(`async training: the batch producer failed: ${msg}`, { cause: producerError });
  }
  if (f !== null && !nonFinite)
    throw new AsyncWorkerError(f.module, f.code, f.message, result('failed', produced, modules));
  if (f !== null) log(`module ${f.module + 1}: ${f.message}`);
  return result(outcome, produced, modules);
}
