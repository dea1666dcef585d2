/**
 * Linear evaluation: a linear classifier trained on frozen features of one module. Utterance- or image-level probes
 * average the features over time (or grid positions) first; frame-level probes classify every position.
 */
import { Adam, Linear, Module } from '../nn/index.js';
import {
  argmax,
  crossEntropy,
  eq,
  index,
  mean,
  narrow,
  ne,
  noGrad,
  randperm,
  reshape,
  sum,
  tidy,
  to,
  type Tensor,
} from '../tensor/index.js';
import { oneOf, positiveInteger } from '../util/check.js';

export const probePoolings = ['mean', 'frame'] as const;
export type ProbePooling = (typeof probePoolings)[number];

/** Frozen features and their labels: features [N, T, D]; labels [N] (pooling 'mean') or [N, T] (pooling 'frame'). */
export interface FeatureSet {
  features: Tensor;
  labels: Tensor; // int64; −1 marks an unlabelled frame
}

export interface LinearProbeArgs {
  classes: number;
  pooling: ProbePooling;
  /** Adam learning rate (reference: 1e-3 speaker, 1e-4 phones). */
  lr: number;
  epochs: number;
  batchSize: number;
}

/** LinearProbe: logits = W · pool(features) + b. */
export class LinearProbe extends Module {
  readonly linear: Linear;
  constructor(
    featureSize: number,
    readonly args: LinearProbeArgs,
  ) {
    super();
    checkProbeArgs('LinearProbe', args);
    positiveInteger('LinearProbe', 'featureSize', featureSize);
    this.linear = this.registerModule('linear', new Linear(featureSize, args.classes));
  }

  /** logits(features [n, T, D]) → [n, classes] (mean) or [n·T, classes] (frame). */
  logits(features: Tensor): Tensor {
    const D = features.shape[2]!;
    const x = this.args.pooling === 'mean' ? mean(features, 1) : reshape(features, [-1, D]); // [n, D] | [n·T, D]
    return this.linear.forward(x);
  }
}

/** checkProbeArgs(fn, args): classes, epochs and batchSize positive integers, pooling 'mean' or 'frame' (lr: Adam). */
export function checkProbeArgs(fn: string, args: LinearProbeArgs): void {
  positiveInteger(fn, 'classes', args.classes);
  oneOf(fn, 'pooling', args.pooling, probePoolings);
  positiveInteger(fn, 'epochs', args.epochs);
  positiveInteger(fn, 'batchSize', args.batchSize);
}

/** checkFeatureSet(fn, set, pooling): features [N, T, D] with N ≥ 1, and one label per item (mean) or frame. */
function checkFeatureSet(fn: string, set: FeatureSet, pooling: ProbePooling): void {
  const f = set.features.shape;
  if (f.length !== 3 || f[0] === 0) throw new Error(`${fn}: features must be [N ≥ 1, T, D], got [${f.join(', ')}]`);
  const want = pooling === 'mean' ? [f[0]!] : [f[0]!, f[1]!];
  const got = set.labels.shape;
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new Error(
      `${fn}: labels must be [${want.join(', ')}] for pooling '${pooling}' and features [${f.join(', ')}], ` +
        `got [${got.join(', ')}]`,
    );
  }
}

const flatLabels = (labels: Tensor): Tensor => reshape(labels, [-1]); // [n] | [n·T]

/** trainLinearProbe(train): Adam on cross-entropy over shuffled mini-batches for `epochs` passes. */
export function trainLinearProbe(
  train: FeatureSet,
  args: LinearProbeArgs,
  onEpoch?: (epoch: number, loss: number) => void,
): LinearProbe {
  checkProbeArgs('trainLinearProbe', args);
  checkFeatureSet('trainLinearProbe', train, args.pooling);
  const probe = new LinearProbe(train.features.shape[2]!, args);
  const opt = new Adam(probe, { lr: args.lr });
  for (let epoch = 0; epoch < args.epochs; epoch++) {
    const loss = trainEpoch(probe, opt, train);
    onEpoch?.(epoch, loss);
  }
  opt.dispose();
  return probe;
}

/** One pass over `train` in shuffled mini-batches; returns the mean mini-batch loss. */
function trainEpoch(probe: LinearProbe, opt: Adam, train: FeatureSet): number {
  const N = train.features.shape[0]!;
  const { batchSize } = probe.args;
  let total = 0;
  let batches = 0;
  const order = randperm(N); // [N]
  for (let start = 0; start < N; start += batchSize) {
    const n = Math.min(batchSize, N - start);
    total += tidy(() => {
      const idx = narrow(order, 0, start, n); // [n]
      const x = index(train.features, [idx]); // [n, T, D]
      const y = flatLabels(index(train.labels, [idx])); // [n] | [n·T]
      const loss = crossEntropy(probe.logits(x), y, { ignoreIndex: -1 });
      loss.backward();
      return loss.item();
    });
    opt.step();
    opt.zeroGrad();
    batches++;
  }
  order.dispose();
  return total / batches;
}

/** When a probe counts as trained to convergence (LinearProbeArgs.epochs is then the most it may take). */
export interface ConvergenceArgs {
  /** Relative fall of the epoch loss below which an epoch counts as no progress. */
  tolerance: number;
  /** Epochs without progress before the learning rate is divided by LR_DROP_FACTOR. */
  patience: number;
  /** Learning-rate drops after which the next plateau ends training. */
  lrDrops: number;
}

/** How much a plateau divides the probe's learning rate by. */
export const LR_DROP_FACTOR = 10;

/** A probe trained to convergence, and how it got there. */
export interface FittedProbe {
  probe: LinearProbe;
  /** Epochs run, the last epoch's mean training loss, and whether it plateaued (false: it ran out of epochs). */
  epochs: number;
  trainLoss: number;
  converged: boolean;
}

/**
 * fitLinearProbe(train, args, convergence): Adam as trainLinearProbe, until the epoch loss plateaus: after `patience`
 * epochs whose loss fell by less than `tolerance` (relative) the lr is divided by LR_DROP_FACTOR; after `lrDrops`
 * drops the next plateau stops training. At most args.epochs epochs.
 */
export function fitLinearProbe(train: FeatureSet, args: LinearProbeArgs, convergence: ConvergenceArgs): FittedProbe {
  checkProbeArgs('fitLinearProbe', args);
  checkFeatureSet('fitLinearProbe', train, args.pooling);
  positiveInteger('fitLinearProbe', 'patience', convergence.patience);
  if (!(convergence.tolerance >= 0)) throw new RangeError('fitLinearProbe: tolerance must be ≥ 0');
  const probe = new LinearProbe(train.features.shape[2]!, args);
  const opt = new Adam(probe, { lr: args.lr });
  let best = Infinity;
  let stale = 0;
  let drops = 0;
  let loss = NaN;
  let epoch = 0;
  let converged = false;
  while (epoch < args.epochs) {
    loss = trainEpoch(probe, opt, train);
    epoch++;
    if (loss < best * (1 - convergence.tolerance)) {
      best = loss;
      stale = 0;
      continue;
    }
    best = Math.min(best, loss);
    if (++stale < convergence.patience) continue;
    if (drops === convergence.lrDrops) {
      converged = true;
      break;
    }
    opt.lr /= LR_DROP_FACTOR;
    drops++;
    stale = 0;
  }
  opt.dispose();
  return { probe, epochs: epoch, trainLoss: loss, converged };
}

/** probeAccuracy(probe, test) = fraction of labelled items (or frames) classified correctly. */
export function probeAccuracy(probe: LinearProbe, test: FeatureSet, batchSize = 256): number {
  positiveInteger('probeAccuracy', 'batchSize', batchSize);
  checkFeatureSet('probeAccuracy', test, probe.args.pooling);
  let correct = 0;
  let labelled = 0;
  const N = test.features.shape[0]!;
  noGrad(() => {
    for (let start = 0; start < N; start += batchSize) {
      const n = Math.min(batchSize, N - start);
      const [c, k] = tidy(() => {
        const x = narrow(test.features, 0, start, n);
        const y = flatLabels(narrow(test.labels, 0, start, n));
        const pred = argmax(probe.logits(x), 1);
        const labelled = ne(y, -1);
        return [sum(to(eq(pred, y), { dtype: 'int64' })).item(), sum(to(labelled, { dtype: 'int64' })).item()];
      });
      correct += c;
      labelled += k;
    }
  });
  if (labelled === 0) throw new Error('probeAccuracy: the test set has no labelled items');
  return correct / labelled;
}
