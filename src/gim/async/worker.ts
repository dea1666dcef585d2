/**
 * One module's worker thread: build the module from its factory spec, restore its newest checkpoint, then loop —
 * reserve room downstream, take an input, step (forward, own loss, backward, Adam), send the detached output on —
 * until the stream ends or main says stop; save a checkpoint every `checkpointEvery` own steps and at the end.
 * Inputs before the catch-up point (a resumed run whose later modules are behind) are only forwarded.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Adam } from '../../nn/index.js';
import { getNumThreads, manualSeed, noGrad, setNumThreads, tensor, tidy, type Tensor } from '../../tensor/index.js';
import { DivergenceGuard, largestParameter, type Divergence } from '../divergence.js';
import type { GimModule } from '../module.js';
import { NonFiniteLossError } from '../stack.js';
import { Inbox, Outbox, RunningStat, StopSignal, type Taken } from './channel.js';
import {
  latestModuleCheckpoint,
  listModuleCheckpoints,
  restoreModuleCheckpoint,
  saveModuleCheckpoint,
} from './checkpoints.js';
import type { ActivationMessage, AsyncModuleSummary, StopMessage, WorkerInit, WorkerReport } from './protocol.js';
import { loadModuleFactory } from './spawn.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const report = (r: WorkerReport): void => port.postMessage(r);
const now = (): number => performance.now() / 1000;

/** This module diverged: its checkpoints from the explosion on are deleted (step 0, the initial weights, stays). */
class ModuleDiverged extends Error {}

function diverged(d: Divergence): ModuleDiverged {
  const all = listModuleCheckpoints(init.checkpointDir);
  const bad = all.filter((c) => c.step >= Math.max(1, d.fromStep));
  for (const c of bad) fs.rmSync(c.file, { force: true });
  const kept = all.filter((c) => c.step < Math.max(1, d.fromStep)).at(-1);
  return new ModuleDiverged(
    `diverged: ${d.reason}; ` +
      (bad.length > 0 ? `deleted its checkpoints of steps ${bad.map((c) => c.step).join(', ')}; ` : '') +
      `kept the checkpoint of step ${kept?.step ?? 'none'}`,
  );
}

async function main(): Promise<void> {
  // Threads: at::get_num_threads() first runs libtorch's lazy per-thread init (which copies the process-wide count),
  // then set_num_threads sets this thread's OpenMP team size.
  getNumThreads();
  setNumThreads(init.threads);
  manualSeed(init.seed + init.module);
  const all = (await loadModuleFactory(init.factory))(init.factory.args);
  if (all.length !== init.modules)
    throw new Error(`the factory built ${all.length} modules, the run has ${init.modules}`);
  const module = all[init.module]!;
  all.forEach((m, i) => i !== init.module && m.dispose());
  const adam = new Adam(module, init.adam);
  const last = latestModuleCheckpoint(init.checkpointDir);
  if (last === null) throw new Error(`no checkpoint in ${init.checkpointDir}`);
  const startStep = restoreModuleCheckpoint(last.file, module, adam);
  if (init.adam.lr !== undefined) adam.lr = init.adam.lr; // the requested lr wins over the checkpoint's
  module.train();
  const guard = new DivergenceGuard();

  const stop = new StopSignal();
  const onControl = (m: StopMessage): void => void (m.type === 'stop' && stop.request());
  port.on('message', onControl);
  const inbox = new Inbox(init.input);
  const outbox = init.output === null ? null : new Outbox(init.output, init.queueCapacity);
  report({ type: 'ready', module: init.module, step: startStep });

  let step = startStep;
  let saved = startStep;
  let checkpoint: string | null = last.file;
  let trained = 0;
  let forwarded = 0;
  let samples = 0;
  let firstLoss: number | null = null;
  let lastLoss: number | null = null;
  let waitInput = 0;
  let waitOutput = 0;
  let compute = 0;
  const staleness = new RunningStat();
  const catchUp = Math.max(0, init.inputs - Math.max(0, init.steps - startStep));
  const started = now();
  const meta = { config: init.config, module: init.module, modules: init.modules };
  const save = (): void => {
    const weights = guard.checkWeights(step, largestParameter([module]));
    if (weights !== null) throw diverged(weights);
    checkpoint = saveModuleCheckpoint(init.checkpointDir, step, module, adam, meta, init.keepCheckpoints);
    saved = step;
  };

  for (;;) {
    let t = now();
    if (outbox !== null && !(await outbox.acquire(stop))) break;
    waitOutput += now() - t;
    t = now();
    const taken: Taken | null = await inbox.take(stop);
    waitInput += now() - t;
    if (taken === null) break;
    t = now();
    const train = forwarded >= catchUp && step < init.steps;
    if (train && init.fault?.module === init.module && init.fault.step === step) {
      if (init.fault.kind === 'exit') process.exit(3);
      throw new Error(`fault injected at step ${step}`);
    }
    let r: StepResult;
    try {
      r = runStep(module, taken.message, train, outbox !== null);
    } catch (e) {
      if (!(e instanceof NonFiniteLossError)) throw e;
      throw diverged({ fromStep: step, module: init.module, reason: `module ${init.module + 1}: loss ${e.value}` });
    }
    const divergence = train ? guard.observe(step, init.module, r.loss) : null;
    if (divergence !== null) throw diverged(divergence);
    if (train) {
      adam.step();
      adam.zeroGrad();
      step++;
      trained++;
      samples += taken.message.shape[0] ?? 0;
      staleness.add(taken.staleness);
      firstLoss ??= r.loss;
      lastLoss = r.loss;
    } else forwarded++;
    if (outbox !== null) outbox.send({ ...r.next, seq: taken.message.seq, count: step });
    compute += now() - t;
    if (train && step % init.checkpointEvery === 0) save();
    if (train && (trained === 1 || step % init.logEvery === 0)) {
      const seconds = now() - started;
      const q = inbox.occupancy.value;
      const s = staleness.value;
      report({
        type: 'metrics',
        record: {
          step,
          module: init.module,
          name: 'async',
          loss: r.loss,
          ...(r.accuracy === undefined ? {} : { accuracy: r.accuracy }),
          batchesPerSec: trained / seconds,
          samplesPerSec: samples / seconds,
          queueMean: q.mean,
          queueMax: q.max,
          stalenessMean: s.mean,
          stalenessMax: s.max,
          seconds,
        },
      });
    }
  }
  if (!stop.requested) outbox?.end();
  if (step !== saved) save();
  const seconds = now() - started;
  const summary: AsyncModuleSummary = {
    module: init.module,
    status: stop.requested ? 'stopped' : 'finished',
    step,
    startStep,
    trained,
    forwarded,
    seconds,
    batchesPerSec: trained / Math.max(seconds, 1e-9),
    samplesPerSec: samples / Math.max(seconds, 1e-9),
    queue: inbox.occupancy.value,
    staleness: staleness.value,
    waitInputSeconds: waitInput,
    waitOutputSeconds: waitOutput,
    computeSeconds: compute,
    firstLoss,
    lastLoss,
    checkpoint,
  };
  adam.dispose();
  module.dispose();
  report({ type: 'done', summary });
  port.off('message', onControl);
  inbox.close();
  outbox?.close();
}

interface StepResult {
  next: Omit<ActivationMessage, 'seq' | 'count'>;
  loss: number;
  accuracy?: number;
}

/** One input through the module: with `train`, loss + backward (the caller steps Adam); the output as plain arrays. */
function runStep(module: GimModule, m: ActivationMessage, train: boolean, output: boolean): StepResult {
  return tidy(() => {
    const x = tensor(m.x, m.shape);
    const targets: Tensor | undefined = m.targets === undefined ? undefined : tensor(m.targets, m.targetsShape!);
    let next: Tensor;
    let loss = NaN;
    let accuracy: number | undefined;
    if (train) {
      const s = module.step(x, targets);
      loss = s.loss.item();
      if (!Number.isFinite(loss)) throw new NonFiniteLossError(init.module, loss);
      s.loss.backward(); // frees this module's graph
      next = s.next.detach();
      accuracy = s.accuracy;
    } else next = output ? noGrad(() => module.encode(x)) : x;
    // A fresh buffer, transferred downstream (the last module sends nothing).
    const data = output ? (next.data() as Float32Array | Float64Array) : new Float32Array(0);
    const out: StepResult['next'] = { type: 'batch', x: data, shape: [...next.shape] };
    if (m.targets !== undefined) Object.assign(out, { targets: m.targets, targetsShape: m.targetsShape });
    return { next: out, loss, ...(accuracy === undefined ? {} : { accuracy }) };
  });
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  const nonFinite = e instanceof NonFiniteLossError || e instanceof ModuleDiverged;
  report({ type: 'failed', module: init.module, message, nonFinite });
  process.exitCode = 1;
  throw e;
});
