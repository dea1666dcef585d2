/**
 * Distributed training (train.mode distributed): world = stages × replicas (src/gim/distributed/layout.ts). Stage s
 * owns a contiguous group of modules. Stage 0 reads the batches (replica r reads batch step × replicas + r); each stage
 * trains its modules on what it gets and sends its last module's detached output to the next stage (activations.ts),
 * at most Q batches in flight; no message flows backwards. The replicas of a stage average their gradients each step
 * (DataParallel, an allreduce over the stage's sub-group). Stage 0 decides when the run ends — after `steps`, or on
 * Ctrl-C / SIGTERM (its replicas agree on it) — and says so downstream, so every stage ends on the same step. Replica 0
 * of each stage saves its modules as async mode does (<run>/checkpoints/module<m>/); at the end rank 0 assembles them
 * into the stack checkpoint that eval reads.
 */
import { Inbox, Outbox, type Received } from '../distributed/activations.js';
import { batchIndex, DEFAULT_DISTRIBUTED, placeOf, type RankPlace } from '../distributed/layout.js';
import type { World } from '../distributed/world.js';
import {
  listModuleCheckpoints,
  moduleCheckpointDir,
  restoreModuleCheckpoint,
  saveModuleCheckpoint,
} from '../async/checkpoints.js';
import { tensor, type ProcessGroup, type Tensor } from '../../tensor/index.js';
import { yieldToEventLoop } from '../../util/interrupt.js';
import { assembleStack } from './async.js';
import type { TrainStepArgs } from '../stack.js';
import { DataParallel } from './data-parallel.js';
import type { StrategyEnd, TrainBatch, TrainingSession, TrainingStrategy } from './strategy.js';

/** Module checkpoints each stage keeps (a resume after a crash needs one step every module still has). */
const KEEP_MODULE_CHECKPOINTS = 3;

/** pipelineStrategy(): the strategy of train.mode distributed. */
export function pipelineStrategy(): TrainingStrategy {
  return {
    mode: 'distributed',
    stopMessage: 'stage 0 stops after its current step, the other stages after the batches in flight; all save',
    checkpoints: 'modules',
    train: trainPipeline,
  };
}

/** Totals of one rank, for its metrics summary. */
interface RankTotals {
  samples: number;
  steps: number;
  /** Waiting for input: reading batches (stage 0) or receiving activations (the others). */
  recvMs: number;
  computeMs: number;
  reduceMs: number;
  sendWaitMs: number;
}

async function trainPipeline(session: TrainingSession): Promise<StrategyEnd> {
  const world = session.world;
  if (world === undefined) {
    throw new Error("train.mode 'distributed': this process joined no world (start it with gim launch)");
  }
  const dist = session.config.distributed ?? DEFAULT_DISTRIBUTED;
  const place = placeOf(world.rank, world.worldSize, dist.stages, session.stack.length);
  const { first, end } = place.modules;
  session.log(
    `rank ${place.rank}: stage ${place.stage + 1} of ${place.stages} (modules ${first + 1}–${end}), ` +
      `replica ${place.replica + 1} of ${place.replicas}, Q ${dist.queue}`,
  );
  const replicaGroup = stageGroups(world, place);
  const outbox =
    place.next === null ? null : new Outbox({ group: world.group, peer: place.next, capacity: dist.queue });
  const inbox =
    place.previous === null
      ? null
      : new Inbox({ group: world.group, peer: place.previous, device: session.stack.device });
  try {
    if (session.resumed) restoreOwnModules(session, place, session.start);
    const dp = replicaGroup === undefined ? null : new DataParallel(session.stack, { group: replicaGroup });
    await dp?.broadcastParameters();
    const started = performance.now();
    const totals: RankTotals = { samples: 0, steps: 0, recvMs: 0, computeMs: 0, reduceMs: 0, sendWaitMs: 0 };
    const step = await runSteps({ session, place, outbox, inbox, dp, replicaGroup, totals });
    if (outbox !== null) await outbox.end(step);
    if (place.replica === 0) saveOwnModules(session, place, step);
    summarize(session, place, totals, outbox, (performance.now() - started) / 1000, step);
    await world.group.barrier().wait(); // every stage has saved its modules
    if (world.rank === 0) assembleStack(session, 'distributed');
    return { step, stopped: step < session.steps };
  } finally {
    outbox?.dispose();
    replicaGroup?.close();
  }
}

/** Every rank creates every stage's replica group, in the same order (c10d's rule); returns this rank's, if any. */
function stageGroups(world: World, place: RankPlace): ProcessGroup | undefined {
  if (place.replicas === 1) return undefined;
  let own: ProcessGroup | undefined;
  for (let s = 0; s < place.stages; s++) {
    const ranks = Array.from({ length: place.replicas }, (_, r) => s * place.replicas + r);
    const group = world.group.newGroup(ranks);
    if (s === place.stage) own = group;
  }
  return own;
}

interface StepsArgs {
  session: TrainingSession;
  place: RankPlace;
  outbox: Outbox | null;
  inbox: Inbox | null;
  dp: DataParallel | null;
  replicaGroup: ProcessGroup | undefined;
  totals: RankTotals;
}

/** The steps of this rank until the stream ends; returns the steps done (resumed ones included). */
async function runSteps(a: StepsArgs): Promise<number> {
  const { session, place, outbox, inbox, dp, totals } = a;
  const { stack, task, progress } = session;
  const range = place.modules;
  const checkpointEvery = session.config.train.checkpointEvery;
  let step = session.start;
  if (outbox !== null) outbox.updates = step;
  for (;;) {
    const waitStart = performance.now();
    let x: Tensor;
    let batch: TrainBatch | null = null;
    if (inbox === null) {
      if (await agreeToStop(session.stop.aborted || step >= session.steps, a.replicaGroup)) break;
      batch = await task.batch(batchIndex(step, place.replica, place.replicas));
      x = batch.x;
    } else {
      const got: Received = await inbox.take();
      if (got.kind === 'end') break;
      if (got.step !== step) {
        got.activations.dispose();
        throw new Error(
          `pipeline: rank ${place.rank} expected the activations of step ${step} from rank ${place.previous}, got step ${got.step}`,
        );
      }
      x = got.activations;
    }
    const recvMs = performance.now() - waitStart;
    try {
      const at = step;
      const computeStart = performance.now();
      const stepArgs: TrainStepArgs = {
        mode: 'simultaneous',
        range,
        keepOutput: outbox !== null,
        onModule: (m) => progress.update(at, m),
      };
      // replicas agree that each computed its gradients before any allreduce (a NaN in one names it in all)
      const g = dp === null ? stack.computeGradients(x, stepArgs) : await dp.computeGradients(x, stepArgs);
      const forwardBackwardMs = performance.now() - computeStart;
      let sent = { bytes: 0, queue: 0 };
      const sendStart = performance.now();
      if (g.output !== undefined) {
        try {
          sent = await outbox!.post(g.output, step);
        } finally {
          g.output.dispose();
        }
      }
      const sendWaitMs = performance.now() - sendStart;
      const reduceStart = performance.now();
      await dp?.averageGradients(g.modules);
      const reduceMs = performance.now() - reduceStart;
      const updateStart = performance.now();
      stack.update(g.modules);
      const computeMs = forwardBackwardMs + performance.now() - updateStart;
      step++;
      if (outbox !== null) outbox.updates = step;
      totals.samples += x.shape[0] ?? 0;
      totals.steps++;
      totals.recvMs += recvMs;
      totals.computeMs += computeMs;
      totals.reduceMs += reduceMs;
      totals.sendWaitMs += sendWaitMs;
      session.stepDone({
        step,
        results: g.metrics,
        seconds: (recvMs + computeMs + sendWaitMs + reduceMs) / 1000,
        extra: {
          rank: place.rank,
          stage: place.stage,
          replica: place.replica,
          [inbox === null ? 'batchMs' : 'recvMs']: recvMs,
          computeMs,
          sendWaitMs,
          reduceMs,
          bytesSent: sent.bytes,
          queue: sent.queue,
          ...(outbox === null || outbox.lastStaleness < 0 ? {} : { staleness: outbox.lastStaleness }),
        },
      });
      if (place.replica === 0 && step % checkpointEvery === 0) saveOwnModules(session, place, step);
    } finally {
      if (batch !== null) batch.dispose();
      else x.dispose();
    }
    await yieldToEventLoop(); // signals are delivered and progress bars redraw here
  }
  return step;
}

/** Whether stage 0 stops now: this rank's wish, or (replicas) any replica's, so that all stop on the same step. */
async function agreeToStop(wish: boolean, group: ProcessGroup | undefined): Promise<boolean> {
  if (group === undefined) return wish;
  const flag = tensor(Float32Array.from([wish ? 1 : 0])); // [1]
  try {
    await group.allreduce([flag]).wait();
    return flag.item() > 0;
  } finally {
    flag.dispose();
  }
}

/** Replica 0 of a stage: its modules' checkpoints at `step` (as async mode writes them). */
function saveOwnModules(session: TrainingSession, place: RankPlace, step: number): void {
  const { stack } = session;
  for (let m = place.modules.first; m < place.modules.end; m++) {
    saveModuleCheckpoint(
      moduleCheckpointDir(session.run, m),
      step,
      stack.modules[m]!,
      stack.optimizers[m],
      { config: session.storedConfig, module: m, modules: stack.length, mode: 'distributed' },
      KEEP_MODULE_CHECKPOINTS,
    );
  }
}

/** On resume: this rank's modules (and their Adam state) from their checkpoints of step `step`. */
function restoreOwnModules(session: TrainingSession, place: RankPlace, step: number): void {
  const { stack } = session;
  for (let m = place.modules.first; m < place.modules.end; m++) {
    const dir = moduleCheckpointDir(session.run, m);
    const found = listModuleCheckpoints(dir).find((c) => c.step === step);
    if (found === undefined) {
      const have = listModuleCheckpoints(dir).map((c) => c.step);
      throw new Error(
        `--resume: module ${m + 1} has no checkpoint of step ${step} in ${dir} (it has steps ${have.join(', ') || 'none'}); ` +
          'every module must restart from the same step',
      );
    }
    restoreModuleCheckpoint(found.file, stack.modules[m]!, stack.optimizers[m]);
  }
  if (place.replica === 0)
    session.log(`rank ${place.rank}: modules ${place.modules.first + 1}–${place.modules.end} from step ${step}`);
}

/** The rank's summary: one metrics line (name 'distributed') and one log line. */
function summarize(
  session: TrainingSession,
  place: RankPlace,
  totals: RankTotals,
  outbox: Outbox | null,
  seconds: number,
  step: number,
): void {
  const o = outbox?.stats();
  const perStep = (v: number): number => (totals.steps === 0 ? 0 : v / totals.steps);
  const summary = {
    rank: place.rank,
    stage: place.stage,
    replica: place.replica,
    steps: totals.steps,
    samplesPerSec: seconds > 0 ? totals.samples / seconds : 0,
    [place.stage === 0 ? 'batchMsPerStep' : 'recvMsPerStep']: perStep(totals.recvMs),
    computeMsPerStep: perStep(totals.computeMs),
    sendWaitMsPerStep: perStep(totals.sendWaitMs),
    reduceMsPerStep: perStep(totals.reduceMs),
    bytesSentPerStep: perStep(o?.bytes ?? 0),
    queueMean: o?.queueMean ?? 0,
    queueMax: o?.queueMax ?? 0,
    stalenessMean: o?.stalenessMean ?? 0,
    stalenessMax: o?.stalenessMax ?? 0,
  };
  session.record({ step, name: 'distributed', ...summary });
  session.log(
    `rank ${place.rank} (stage ${place.stage + 1}, replica ${place.replica + 1}): ${totals.steps} steps, ` +
      `${summary.samplesPerSec.toFixed(1)} samples/s; per step: compute ${summary.computeMsPerStep.toFixed(1)} ms, ` +
      `${place.stage === 0 ? 'reading the batch' : 'waiting on recv'} ${perStep(totals.recvMs).toFixed(1)} ms, ` +
      `waiting on send ${summary.sendWaitMsPerStep.toFixed(1)} ms, allreduce ${summary.reduceMsPerStep.toFixed(1)} ms, ` +
      `sent ${(summary.bytesSentPerStep / 1024).toFixed(1)} KiB; ` +
      `queue ${summary.queueMean.toFixed(2)} (max ${summary.queueMax}), staleness ${summary.stalenessMean.toFixed(2)} ` +
      `(max ${summary.stalenessMax})`,
  );
}
