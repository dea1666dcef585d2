/**
 * Data-parallel replicas of a GradientIsolatedStack, as PyTorch's DDP does it: every replica trains on its own shard
 * of the data; in each step the gradients of every trained module are averaged over the replicas — flattened into
 * buckets, one allreduce (sum) per bucket, divided by the number of replicas, copied back — before the Adam steps, so
 * replicas that start identical (parameters broadcast from rank 0) stay identical. Gradient isolation is untouched:
 * module m's averaged gradient is still the gradient of module m's own loss.
 */
import {
  cat,
  copyInto,
  div,
  narrow,
  noGrad,
  reshape,
  tensor,
  tidy,
  type ProcessGroup,
  type Tensor,
} from '../../tensor/index.js';
import { positiveInteger } from '../../util/check.js';
import type { GradientIsolatedStack, GradientStep, StepMetrics, TrainStepArgs } from '../stack.js';

/** DDP's default bucket cap. */
export const DEFAULT_BUCKET_BYTES = 25 * 1024 * 1024;

export interface DataParallelArgs {
  /** The replicas: every rank of this group holds a replica of the same stack. */
  group: ProcessGroup;
  /** Largest bucket of gradients reduced by one allreduce, in bytes (default 25 MiB, DDP's). */
  bucketBytes?: number;
}

/** Another replica failed to compute its gradients in this step (its own error is thrown there). */
export class ReplicaStepError extends Error {
  constructor(readonly ranks: readonly number[]) {
    super(
      `data-parallel step abandoned: ${ranks.length === 1 ? 'replica' : 'replicas'} (rank ${ranks.join(', ')}) ` +
        `failed to compute gradients; see ${ranks.length === 1 ? 'its' : 'their'} own error`,
    );
  }
}

/** One bucket: parameters of one module, of one dtype and device, flattened together. */
interface Bucket {
  module: number;
  params: { name: string; tensor: Tensor }[];
}

const BYTES: Record<string, number> = { float64: 8, float32: 4, float16: 2, bfloat16: 2 };

export class DataParallel {
  readonly stack: GradientIsolatedStack;
  readonly group: ProcessGroup;
  readonly bucketBytes: number;
  readonly #buckets = new Map<number, Bucket[]>();

  constructor(stack: GradientIsolatedStack, args: DataParallelArgs) {
    this.stack = stack;
    this.group = args.group;
    this.bucketBytes = positiveInteger('DataParallel', 'bucketBytes', args.bucketBytes ?? DEFAULT_BUCKET_BYTES);
  }

  /** Replicas in the group. */
  get replicas(): number {
    return this.group.size;
  }

  /**
   * Copies rank 0's parameters and buffers into every replica, in place: call once before training (and after a
   * resume where ranks may have loaded different states).
   */
  async broadcastParameters(): Promise<void> {
    const tensors = this.stack.modules.flatMap((m) => [
      ...m.namedParameters().map(([, t]) => t),
      ...m.namedBuffers().map(([, t]) => t),
    ]);
    if (tensors.length === 0 || this.group.size === 1) return;
    await this.group.broadcast(tensors, 0).wait();
  }

  /**
   * This replica's gradients of one step, once every replica has computed its own. The replicas first agree on whether
   * each computed its gradients (one small allreduce): when one failed (e.g. a non-finite loss), it rethrows its own
   * error and every other replica throws a ReplicaStepError naming it, at once rather than at the gradient allreduce's
   * timeout; the step's gradients (and a kept output) are dropped everywhere.
   */
  async computeGradients(x: Tensor, args: TrainStepArgs = { mode: 'simultaneous' }): Promise<GradientStep> {
    let g: GradientStep | null = null;
    let failure: unknown = null;
    try {
      g = this.stack.computeGradients(x, args);
    } catch (e) {
      failure = e;
    }
    const failed = await this.#failedReplicas(failure !== null);
    if (failed.length > 0) {
      g?.output?.dispose();
      for (const m of this.stack.modules) m.zeroGrad();
      if (failure !== null) throw failure;
      throw new ReplicaStepError(failed);
    }
    return g!;
  }

  /** One step on this replica's shard: gradients (computeGradients), their average over the replicas, the Adam steps. */
  async trainStep(x: Tensor, args: TrainStepArgs = { mode: 'simultaneous' }): Promise<StepMetrics[]> {
    const g = await this.computeGradients(x, args);
    await this.averageGradients(g.modules);
    this.stack.update(g.modules);
    return g.metrics;
  }

  /** The ranks that report failure (a collective over the group). */
  async #failedReplicas(failedHere: boolean): Promise<number[]> {
    if (this.group.size === 1) return failedHere ? [0] : [];
    const flags = new Float32Array(this.group.size);
    flags[this.group.rank] = failedHere ? 1 : 0;
    const t = tensor(flags); // [R]
    try {
      await this.group.allreduce([t]).wait();
      return t.toArray().flatMap((v, r) => (v > 0 ? [r] : []));
    } finally {
      t.dispose();
    }
  }

  /**
   * The replicas' mean of each module's loss and accuracy (a collective: every replica calls it with metrics of the
   * same modules). With per-sample mean losses and equal shards this is the loss of the whole batch.
   */
  async meanMetrics(metrics: readonly StepMetrics[]): Promise<StepMetrics[]> {
    if (this.group.size === 1) return metrics.map((m) => ({ ...m }));
    const values = metrics.flatMap((m) => [m.loss, m.accuracy ?? 0]);
    const t = tensor(Float64Array.from(values)); // [2M]
    try {
      await this.group.allreduce([t]).wait();
      const sums = t.toArray();
      return metrics.map((m, i) => ({
        module: m.module,
        loss: sums[2 * i]! / this.group.size,
        ...(m.accuracy === undefined ? {} : { accuracy: sums[2 * i + 1]! / this.group.size }),
      }));
    } finally {
      t.dispose();
    }
  }

  /** Replaces the gradients of these modules by their mean over the replicas (all buckets in flight at once). */
  async averageGradients(modules: readonly number[]): Promise<void> {
    if (this.group.size === 1) return;
    const buckets = modules.flatMap((m) => this.#bucketsOf(m));
    const flats: Tensor[] = [];
    try {
      for (const b of buckets)
        flats.push(
          tidy(() =>
            cat(
              b.params.map((p) => reshape(this.#gradOf(b, p), [-1])),
              0,
            ),
          ),
        ); // [N]
      const works = flats.map((f) => this.group.allreduce([f])); // posted in the same order on every replica
      await Promise.all(works.map((w) => w.wait()));
      const replicas = this.group.size;
      buckets.forEach((b, i) => {
        tidy(() =>
          noGrad(() => {
            const mean = div(flats[i]!, replicas); // [N]
            let offset = 0;
            for (const p of b.params) {
              const grad = this.#gradOf(b, p);
              const n = grad.size;
              copyInto(grad, reshape(narrow(mean, 0, offset, n), grad.shape));
              offset += n;
            }
          }),
        );
      });
    } finally {
      for (const f of flats) f.dispose();
    }
  }

  /** The gradient of a bucket's parameter (a new handle on the same storage), or an error naming it. */
  #gradOf(b: Bucket, p: { name: string; tensor: Tensor }): Tensor {
    const g = p.tensor.grad;
    if (g === null) {
      throw new Error(
        `DataParallel: module ${b.module + 1}'s parameter ${p.name} has no gradient after its backward ` +
          `(replicas average every trainable parameter of a trained module; each must take part in its loss)`,
      );
    }
    return g;
  }

  /** Module m's trainable parameters in order, cut into buckets of one dtype and device, each ≤ bucketBytes. */
  #bucketsOf(m: number): Bucket[] {
    const cached = this.#buckets.get(m);
    if (cached !== undefined) return cached;
    const buckets: Bucket[] = [];
    let current: Bucket | null = null;
    let bytes = 0;
    let kind = '';
    for (const [name, tensor] of this.stack.modules[m]!.namedParameters()) {
      if (!tensor.requiresGrad) continue;
      const size = tensor.size * (BYTES[tensor.dtype] ?? 4);
      const k = `${tensor.dtype}@${tensor.device}`;
      if (current === null || k !== kind || (bytes + size > this.bucketBytes && current.params.length > 0)) {
        current = { module: m, params: [] };
        buckets.push(current);
        bytes = 0;
        kind = k;
      }
      current.params.push({ name, tensor });
      bytes += size;
    }
    this.#buckets.set(m, buckets);
    return buckets;
  }
}
