/**
 * A throughput model for training a gradient-isolated stack on M machines, from measured per-module numbers.
 *
 * Inputs per module m (one batch of B samples): compute_m seconds (forward + loss + backward + Adam), the bytes of its
 * output activation (what module m+1 receives) and the bytes of its parameters (what replicas average).
 *
 * - data-parallel, R replicas: every replica runs the whole stack on its own batch, then a ring allreduce of all
 *   gradients moves 2(R−1)/R × parameter bytes over each link; no overlap of the two is assumed.
 *   time per step = Σ compute + allreduce; samples/s = R·B / time.
 * - pipeline, S stages (S ≤ modules): contiguous groups of modules, chosen to minimise the slowest stage; stages run
 *   concurrently on different batches (bounded staleness, no messages backwards), sends overlap compute.
 *   time per batch = max over stages of max(compute of the stage, its output bytes / bandwidth).
 * - both, S stages × R replicas: each stage as in data-parallel over its own parameters, the stages as a pipeline.
 * Latency per message is ignored (a batch is one message of megabytes); the bound says which term is the maximum.
 */

export interface ModuleCost {
  name: string;
  /** Seconds per batch: forward, loss, backward and the optimizer step. */
  computeSeconds: number;
  /** Bytes of the module's output for one batch (sent to the next stage). */
  activationBytes: number;
  /** Bytes of the module's parameters (its gradients are what replicas allreduce). */
  parameterBytes: number;
}

export interface Layout {
  stages: number;
  replicas: number;
}

export interface Prediction extends Layout {
  samplesPerSecond: number;
  /** 'compute' where the slowest stage is bound by its computation, 'communication' where by its link. */
  bound: 'compute' | 'communication';
  /** The stages' module groups, as index ranges [first, last]. */
  groups: [number, number][];
}

/** Seconds a ring allreduce of `bytes` takes among `replicas` peers over links of `bytesPerSecond`. */
export function ringAllreduceSeconds(bytes: number, replicas: number, bytesPerSecond: number): number {
  if (replicas <= 1) return 0;
  return ((2 * (replicas - 1)) / replicas) * (bytes / bytesPerSecond);
}

/** Every way to cut modules 0..n−1 into `stages` contiguous non-empty groups. */
export function contiguousGroups(n: number, stages: number): [number, number][][] {
  if (stages < 1 || stages > n) return [];
  if (stages === 1) return [[[0, n - 1]]];
  const out: [number, number][][] = [];
  for (let end = 0; end <= n - stages; end++) {
    for (const rest of contiguousGroups(n - end - 1, stages - 1)) {
      out.push([[0, end], ...rest.map(([a, b]): [number, number] => [a + end + 1, b + end + 1])]);
    }
  }
  return out;
}

/** The time per batch of the slowest stage of one grouping, and what binds it. */
function stageTime(
  modules: readonly ModuleCost[],
  groups: [number, number][],
  replicas: number,
  bytesPerSecond: number,
): { seconds: number; bound: Prediction['bound'] } {
  let worst = { seconds: 0, bound: 'compute' as Prediction['bound'] };
  groups.forEach(([first, last], s) => {
    const inStage = modules.slice(first, last + 1);
    const compute = inStage.reduce((t, m) => t + m.computeSeconds, 0);
    const params = inStage.reduce((t, m) => t + m.parameterBytes, 0);
    const busy = compute + ringAllreduceSeconds(params, replicas, bytesPerSecond);
    const send = s < groups.length - 1 ? modules[last]!.activationBytes / bytesPerSecond : 0;
    const seconds = Math.max(busy, send);
    if (seconds > worst.seconds) {
      const allreduceBound = ringAllreduceSeconds(params, replicas, bytesPerSecond) > compute;
      worst = { seconds, bound: send > busy || allreduceBound ? 'communication' : 'compute' };
    }
  });
  return worst;
}

/** predict(modules, layout, batch, bytesPerSecond): the best grouping's throughput for `stages` × `replicas`. */
export function predict(
  modules: readonly ModuleCost[],
  layout: Layout,
  batch: number,
  bytesPerSecond: number,
): Prediction | undefined {
  let best: Prediction | undefined;
  for (const groups of contiguousGroups(modules.length, layout.stages)) {
    const { seconds, bound } = stageTime(modules, groups, layout.replicas, bytesPerSecond);
    const samplesPerSecond = (layout.replicas * batch) / seconds;
    if (best === undefined || samplesPerSecond > best.samplesPerSecond) {
      best = { ...layout, samplesPerSecond, bound, groups };
    }
  }
  return best;
}

/** The layouts of M machines: all replicas, all stages (if M ≤ modules), and the best stages × replicas split. */
export function layoutsFor(machines: number, moduleCount: number): { name: string; layouts: Layout[] }[] {
  const splits: Layout[] = [];
  for (let stages = 1; stages <= Math.min(machines, moduleCount); stages++) {
    if (machines % stages === 0) splits.push({ stages, replicas: machines / stages });
  }
  return [
    { name: 'data-parallel', layouts: [{ stages: 1, replicas: machines }] },
    { name: 'pipeline', layouts: machines <= moduleCount ? [{ stages: machines, replicas: 1 }] : [] },
    { name: 'both (best split)', layouts: splits },
  ];
}
