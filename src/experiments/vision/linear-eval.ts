/**
 * Linear evaluation of a vision stack: frozen features of chosen modules, standardised by the train set's statistics,
 * and a linear classifier on top — the paper's vector (the module's patch grid averaged to one vector per image) and,
 * when probe.spatial > 0, the grid average-pooled to spatial × spatial cells (which keeps where in the image a patch
 * was). Each probe trains for probe.epochs passes, or until its loss plateaus when probe.stop is 'plateau'; its own
 * training accuracy is reported beside its test accuracy.
 */
import { fitLinearProbe, probeAccuracy, trainLinearProbe, type GradientIsolatedStack } from '../../gim/index.js';
import {
  adaptiveAvgPool2d,
  add,
  cat,
  keep,
  manualSeed,
  mean,
  mul,
  narrow,
  noGrad,
  pow,
  reshape,
  sub,
  tidy,
  unsqueeze,
  type Tensor,
} from '../../tensor/index.js';
import type { VisionConfig } from './config.js';

/** Linear-probe settings (config.probe). */
export type ProbeSettings = Pick<VisionConfig['probe'], 'epochs' | 'lr' | 'batchSize'> &
  Partial<Pick<VisionConfig['probe'], 'stop' | 'plateau'>>;

/** Labelled images for a probe: x [N, C, H, W] (centre crops), y [N]. */
export interface LabelledImages {
  x: Tensor;
  y: Tensor;
}

/**
 * Frozen features of the given modules (0-based) for images x [N, C, H, W], in batches without gradient: per layer
 * the pooled patch grid [N, C', gh, gw] when `grid`, else its average over the grid [N, C'] (what the probe reads).
 */
export function visionFeatures(
  stack: GradientIsolatedStack,
  x: Tensor,
  layers: readonly number[],
  opts: { grid?: boolean; batchSize?: number } = {},
): Map<number, Tensor> {
  const pooled = pooledFeatures(stack, x, layers, { batchSize: opts.batchSize ?? 64, grid: opts.grid ?? false });
  return new Map([...pooled].map(([layer, f]) => [layer, f.global]));
}

/** One module's features of every image: the grid average [N, C] (or the whole grid), and the spatial cells. */
export interface PooledFeatures {
  global: Tensor; // [N, C] (or [N, C, gh, gw] with grid)
  spatial: Tensor | null; // [N, C·s·s]
}

/** pooledFeatures(stack, x, layers, args): one pass over the images, every pooling of each layer kept. */
function pooledFeatures(
  stack: GradientIsolatedStack,
  x: Tensor,
  layers: readonly number[],
  args: { batchSize: number; grid?: boolean; spatial?: number },
): Map<number, PooledFeatures> {
  const N = x.shape[0]!;
  const spatial = args.spatial ?? 0;
  const upTo = Math.max(...layers);
  const parts = new Map(layers.map((l) => [l, { global: [] as Tensor[], spatial: [] as Tensor[] }]));
  noGrad(() => {
    for (let s = 0; s < N; s += args.batchSize) {
      tidy(() => {
        const b = Math.min(args.batchSize, N - s);
        const feats = stack.features(narrow(x, 0, s, b), upTo); // each [b, C, gh, gw]
        for (const l of layers) {
          const f = feats[l]!;
          parts.get(l)!.global.push(keep(args.grid === true ? f : mean(f, [2, 3]))); // [b, C]
          if (spatial > 0) parts.get(l)!.spatial.push(keep(reshape(adaptiveAvgPool2d(f, [spatial, spatial]), [b, -1])));
        }
      });
    }
  });
  const joined = (ps: Tensor[]): Tensor => {
    const t = cat(ps, 0);
    for (const p of ps) p.dispose();
    return t;
  };
  return new Map(
    [...parts].map(([l, p]) => [l, { global: joined(p.global), spatial: spatial > 0 ? joined(p.spatial) : null }]),
  );
}

/**
 * standardize(train, test): both [N, D] feature sets mapped by the train set's per-dimension mean and standard
 * deviation. An affine map, so the probe on top stays linear; it only conditions the optimisation — frozen features
 * of small encoders vary by ~1% of their mean, which a short Adam run on the raw values barely resolves.
 */
export function standardize(train: Tensor, test: Tensor): [Tensor, Tensor] {
  return tidy(() => {
    const mu = mean(train, 0, { keepDim: true }); // [1, D]
    const centred = sub(train, mu);
    const variance = mean(mul(centred, centred), 0, { keepDim: true }); // [1, D]
    const eps = mean(variance).item() * 1e-6 + 1e-12; // dimensions that never vary stay ~0, not huge
    const inv = pow(add(variance, eps), -0.5); // [1, D]
    return [keep(mul(centred, inv)), keep(mul(sub(test, mu), inv))];
  });
}

/** What one probe reached: test and train accuracy (fractions), the epochs it ran, and whether it plateaued. */
export interface ProbeScore {
  test: number;
  train: number;
  epochs: number;
  converged: boolean;
}

/**
 * scoreLinearProbe(train, test, classes, probe, seed): features [N, …] flattened and standardised by the train set's
 * statistics, then a Linear(D, classes) trained by Adam on train (labels [N]) — for probe.epochs passes, or until its
 * loss plateaus when probe.stop is 'plateau'; its accuracy on test and on its own training set.
 */
export function scoreLinearProbe(
  train: { features: Tensor; labels: Tensor },
  test: { features: Tensor; labels: Tensor },
  classes: number,
  probe: ProbeSettings,
  seed = 0,
): ProbeScore {
  const [trF, teF] = standardize(
    reshape(train.features, [train.features.shape[0]!, -1]),
    reshape(test.features, [test.features.shape[0]!, -1]),
  );
  const tr = { features: unsqueeze(trF, 1), labels: train.labels }; // [N, 1, D]
  const te = { features: unsqueeze(teF, 1), labels: test.labels };
  manualSeed(seed);
  const args = { classes, pooling: 'mean' as const, epochs: probe.epochs, lr: probe.lr, batchSize: probe.batchSize };
  const fitted =
    probe.stop === 'plateau' && probe.plateau !== undefined
      ? fitLinearProbe(tr, args, probe.plateau)
      : { probe: trainLinearProbe(tr, args), epochs: probe.epochs, converged: false };
  const score: ProbeScore = {
    test: probeAccuracy(fitted.probe, te),
    train: probeAccuracy(fitted.probe, tr),
    epochs: fitted.epochs,
    converged: fitted.converged,
  };
  fitted.probe.dispose();
  for (const t of [trF, teF, tr.features, te.features]) t.dispose();
  return score;
}

/** linearEval(train, test, classes, probe, seed): scoreLinearProbe's test accuracy, a fraction in [0, 1]. */
export function linearEval(
  train: { features: Tensor; labels: Tensor },
  test: { features: Tensor; labels: Tensor },
  classes: number,
  probe: ProbeSettings,
  seed = 0,
): number {
  return scoreLinearProbe(train, test, classes, probe, seed).test;
}

/** Both probes of one module: on the grid average (the paper's) and, when asked for, on the spatial cells. */
export interface LayerScores {
  global: ProbeScore;
  spatial: ProbeScore | null;
}

/**
 * scoreLayers(stack, layers, train, test, classes, probe, seed): linear evaluation of several modules' outputs
 * (0-based), each module run once per image; per layer the grid-average probe and (probe.spatial > 0) the spatial one.
 */
export function scoreLayers(
  stack: GradientIsolatedStack,
  layers: readonly number[],
  train: LabelledImages,
  test: LabelledImages,
  classes: number,
  probe: ProbeSettings & { featureBatch: number; spatial?: number },
  seed = 0,
): LayerScores[] {
  const args = { batchSize: probe.featureBatch, spatial: probe.spatial ?? 0 };
  const [tr, te] = [pooledFeatures(stack, train.x, layers, args), pooledFeatures(stack, test.x, layers, args)];
  const score = (trainFeatures: Tensor, testFeatures: Tensor): ProbeScore =>
    scoreLinearProbe(
      { features: trainFeatures, labels: train.y },
      { features: testFeatures, labels: test.y },
      classes,
      probe,
      seed,
    );
  const scores = layers.map((l) => {
    const [a, b] = [tr.get(l)!, te.get(l)!];
    return {
      global: score(a.global, b.global),
      spatial: a.spatial === null || b.spatial === null ? null : score(a.spatial, b.spatial),
    };
  });
  for (const f of [...tr.values(), ...te.values()]) [f.global, f.spatial].forEach((t) => t?.dispose());
  return scores;
}

/** probeLayers(…): scoreLayers' test accuracies of the grid-average probe, one per layer. */
export function probeLayers(
  stack: GradientIsolatedStack,
  layers: readonly number[],
  train: LabelledImages,
  test: LabelledImages,
  classes: number,
  probe: ProbeSettings & { featureBatch: number },
  seed = 0,
): number[] {
  return scoreLayers(stack, layers, train, test, classes, { ...probe, spatial: 0 }, seed).map((s) => s.global.test);
}
