/**
 * InfoNCE, the loss of every Greedy InfoMax module (Oord et al. 2018; Löwe et al. 2019, eq. 1–3):
 *   score(z_{t+k}, c_t) = z_{t+k}ᵀ W_k c_t,
 *   L = −(1/K) Σ_k mean_t log [ exp score(z_{t+k}, c_t) / (exp score(z_{t+k}, c_t) + Σ_n exp score(z_n, c_t)) ].
 *
 * One implementation serves both forms of the paper: sequences (audio: t is time) and grids (vision: t is a row,
 * each column its own sequence, predicting `skip` rows beyond k). Its cost is the floor the issue asks for:
 * one matmul W c for all k, one elementwise product per k for the positives, one matmul against the negative pool.
 */
import {
  cat,
  crossEntropy,
  gather,
  floorDivide,
  index,
  remainder,
  linear,
  matmul,
  mul,
  narrow,
  noGrad,
  permute,
  reshape,
  sum,
  randint,
  tensor,
  tidy,
  transpose,
  unsqueeze,
  zeros,
  argmax,
  eq,
  mean,
  to,
  type Device,
  type DType,
  type Tensor,
} from '../tensor/index.js';
import { sampleNegatives, type NegativeIndices } from './negatives.js';

export interface InfoNCEArgs {
  /** K: how many steps ahead each context predicts. */
  predictionSteps: number;
  /** N: negatives per positive. */
  negativeSamples: number;
  /** Extra offset: step k predicts position t + k + skip (0 for audio; 1 for the vision grid). */
  skip?: number;
  /** Restrict predicting positions to a random window of this many steps (the reference's `subsample`: 128). */
  window?: number | null;
  /** Rows of the shared negative pool per negative slot (see negatives.ts). */
  poolGroupSize?: number;
}

export interface InfoNCEResult {
  loss: Tensor; // [] scalar
  /** Fraction of predictions whose positive outscored all negatives. */
  accuracy: number;
}

/** Everything the scorer needs, in flat form. */
interface Predictions {
  preds: Tensor; // [Q, C] W_k c_t for every scored (sequence, t, k)
  positives: Tensor; // [Q] score(z_{t+k}, c_t)
  weights: Tensor; // [Q] 1 / (K · count_k): averages over positions, then over k
}

/**
 * Sequence form. z: [S, T, C] targets (encodings), c: [S, T, D] contexts, predictor: [K·C, D] (the K maps W_k
 * stacked). Negatives are drawn from all S·T positions of z.
 */
export function infoNCE(
  z: Tensor,
  c: Tensor,
  predictor: Tensor,
  args: InfoNCEArgs,
  negatives?: NegativeIndices,
): InfoNCEResult {
  const [S, T, C] = z.shape as [number, number, number];
  const K = args.predictionSteps;
  const skip = args.skip ?? 0;
  if (c.shape[0] !== S || c.shape[1] !== T) {
    throw new Error(`infoNCE: z is [${z.shape.join(', ')}] but c is [${c.shape.join(', ')}]; they must share [S, T]`);
  }
  if (predictor.shape[0] !== K * C || predictor.shape[1] !== c.shape[2]) {
    throw new Error(
      `infoNCE: predictor must be [K·C, D] = [${K * C}, ${c.shape[2]}], got [${predictor.shape.join(', ')}]`,
    );
  }
  if (T <= K + skip) throw new Error(`infoNCE: sequence length ${T} must exceed predictionSteps + skip = ${K + skip}`);
  let accuracy = 0;
  const loss = tidy(() => {
    const w = args.window ?? null;
    const L = w !== null && T > w ? w : T;
    const start = L < T ? randomStart(T - L + 1) : 0;
    const p = predict(z, c, predictor, { K, skip, start, L, C });
    const Q = p.preds.shape[0]!;
    const N = args.negativeSamples;
    const neg =
      negatives ??
      sampleNegatives({
        population: S * T,
        positives: Q,
        count: N,
        groupSize: args.poolGroupSize ?? 8,
        device: z.device,
      });
    // Pool rows straight from z by (sequence, time): no flattened copy of the whole sequence.
    const pool = index(z, [floorDivide(neg.pool, T), remainder(neg.pool, T)]); // [M, C]
    const poolScores = matmul(p.preds, transpose(pool, 0, 1)); // [Q, M]
    const negScores = gather(poolScores, 1, neg.pick); // [Q, N]
    const logits = cat([unsqueeze(p.positives, 1), negScores], 1); // [Q, 1+N]
    const target = zeros([Q], { dtype: 'int64', device: z.device }); // the positive is class 0
    const perPosition = crossEntropy(logits, target, { reduction: 'none' }); // [Q] −log softmax(logits)_0
    accuracy = noGrad(() => mean(to(eq(argmax(logits, 1), 0), { dtype: 'float32' })).item());
    return sum(mul(perPosition, p.weights)); // []
  });
  return { loss, accuracy };
}

/**
 * Grid form. z: [B, C, H, W] targets, c: [B, D, H, W] contexts (c = z without a context network); each position
 * predicts the one k + skip rows below it; negatives from all B·H·W entries.
 */
export function infoNCEGrid(
  z: Tensor,
  c: Tensor,
  predictor: Tensor,
  args: InfoNCEArgs,
  negatives?: NegativeIndices,
): InfoNCEResult {
  const [B, C, H, W] = z.shape as [number, number, number, number];
  const D = c.shape[1]!;
  let zs!: Tensor;
  let cs!: Tensor;
  tidy(() => {
    zs = reshape(permute(z, [0, 3, 2, 1]), [B * W, H, C]); // [B·W, H, C]: each column a sequence over rows
    cs = reshape(permute(c, [0, 3, 2, 1]), [B * W, H, D]); // [B·W, H, D]
    return [zs, cs];
  });
  try {
    return infoNCE(zs, cs, predictor, { ...args, window: null }, negatives);
  } finally {
    zs.dispose();
    cs.dispose();
  }
}

/** A uniform integer in [0, n), from libtorch's generator so that manualSeed reproduces runs. */
function randomStart(n: number): number {
  return tidy(() => randint(0, n, [1]).item());
}

interface PredictArgs {
  K: number;
  skip: number;
  start: number;
  L: number;
  C: number;
}

/**
 * The scored (sequence s, window time t, step k) triples in (k, s, t) order, as index tensors, with each one's target
 * time t + k + skip (window-relative) and its averaging weight 1 / (K · S · n_k).
 */
function positiveIndex(
  S: number,
  a: PredictArgs,
  device: Device,
  dtype: DType,
): { s: Tensor; t: Tensor; k: Tensor; target: Tensor; weights: Tensor } {
  const s: number[] = [];
  const t: number[] = [];
  const k: number[] = [];
  const target: number[] = [];
  const weights: number[] = [];
  for (let step = 1; step <= a.K; step++) {
    const offset = step + a.skip;
    const n = a.L - offset; // predicting positions t ∈ [0, n) of the window
    for (let seq = 0; seq < S; seq++) {
      for (let time = 0; time < n; time++) {
        s.push(seq);
        t.push(time);
        k.push(step - 1);
        target.push(a.start + time + offset);
        weights.push(1 / (a.K * S * n));
      }
    }
  }
  const ints = (xs: number[]) => tensor(xs, [xs.length], { dtype: 'int64', device });
  return {
    s: ints(s),
    t: ints(t),
    k: ints(k),
    target: ints(target),
    weights: tensor(new Float64Array(weights), [weights.length], { dtype, device }),
  };
}

/**
 * W_k c_t for all k in one matmul, then one gather of the scored predictions and one of their targets (a single
 * index op each, so the backward is one scatter into each input, not one per step).
 */
function predict(z: Tensor, c: Tensor, predictor: Tensor, a: PredictArgs): Predictions {
  const S = z.shape[0]!;
  const cw = narrow(c, 1, a.start, a.L); // [S, L, D]
  const allPreds = reshape(linear(cw, predictor), [S, a.L, a.K, a.C]); // [S, L, K, C]
  const idx = positiveIndex(S, a, z.device, z.dtype);
  const preds = index(allPreds, [idx.s, idx.t, idx.k]); // [Q, C] W_k c_t
  const targets = index(z, [idx.s, idx.target]); // [Q, C] z_{t+k+skip}
  return { preds, positives: sum(mul(preds, targets), 1), weights: idx.weights }; // positives, weights: [Q]
}
