/**
 * InfoNCE, the loss of every Greedy InfoMax module (Oord et al. 2018; Löwe et al. 2019, eq. 1–3):
 *   score(z_{t+k}, c_t) = z_{t+k}ᵀ W_k c_t,
 *   L = −(1/K) Σ_k mean_t log [ exp score(z_{t+k}, c_t) / (exp score(z_{t+k}, c_t) + Σ_n exp score(z_n, c_t)) ].
 *
 * One implementation serves both forms of the paper: sequences (audio: t is time) and grids (vision: t is a row,
 * each column its own sequence, predicting `skip` rows beyond k). Its cost stays near the FLOP floor: one matmul
 * W c for all k, one index op reading every row it needs from z (window and negative pool), one elementwise product
 * for all positives, one matmul against a shared pool of negatives (bench/results/train-step.md).
 */
import {
  cat,
  crossEntropy,
  gather,
  indexSelect,
  splitWithSizes,
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
import { nonNegativeInteger, positiveInteger } from '../util/check.js';
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

/** checkInfoNCEArgs(fn, args): K and N positive integers, skip ≥ 0, window null or ≥ 1, poolGroupSize ≥ 1. */
export function checkInfoNCEArgs(fn: string, args: InfoNCEArgs): void {
  positiveInteger(fn, 'predictionSteps', args.predictionSteps);
  positiveInteger(fn, 'negativeSamples', args.negativeSamples);
  if (args.skip !== undefined) nonNegativeInteger(fn, 'skip', args.skip);
  if (args.window !== undefined && args.window !== null) positiveInteger(fn, 'window', args.window);
  if (args.poolGroupSize !== undefined) positiveInteger(fn, 'poolGroupSize', args.poolGroupSize);
}

/**
 * How the scores of a batch of predictions become a loss: logits [Q, 1+N] (column 0 the positive, then its N
 * negatives) and averaging weights [Q] that sum to 1 → a scalar. InfoNCE's is the cross-entropy of the positive.
 */
export type ScoreCriterion = (logits: Tensor, weights: Tensor) => Tensor;

/** InfoNCE's criterion: Σ_q weight_q · −log softmax(logits_q)_0. */
export const infoNCECriterion: ScoreCriterion = (logits, weights) => {
  const target = zeros([logits.shape[0]!], { dtype: 'int64', device: logits.device }); // the positive is class 0
  const perPosition = crossEntropy(logits, target, { reduction: 'none' }); // [Q] −log softmax(logits)_0
  return sum(mul(perPosition, weights)); // [] mean over positions, then over k
};

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
  return scorePredictions({
    fn: 'infoNCE',
    form: 'sequence',
    criterion: infoNCECriterion,
    z,
    c,
    predictor,
    args,
    negatives,
  });
}

/**
 * Grid form. z: [B, C, H, W] targets, c: [B, D, H, W] contexts (c = z without a context network); each position
 * predicts the one k + skip rows below it; negatives from all B·H·W entries. Each column is a sequence over rows:
 * sequence s = b·W + w, step t = h.
 */
export function infoNCEGrid(
  z: Tensor,
  c: Tensor,
  predictor: Tensor,
  args: InfoNCEArgs,
  negatives?: NegativeIndices,
): InfoNCEResult {
  return scorePredictions({
    fn: 'infoNCEGrid',
    form: 'grid',
    criterion: infoNCECriterion,
    z,
    c,
    predictor,
    args,
    negatives,
  });
}

/** One call of a predictive loss: which form, which criterion, its inputs (see infoNCE and infoNCEGrid). */
export interface ScoreCall {
  /** The caller, named in errors. */
  fn: string;
  form: 'sequence' | 'grid';
  criterion: ScoreCriterion;
  z: Tensor;
  c: Tensor;
  predictor: Tensor;
  args: InfoNCEArgs;
  negatives?: NegativeIndices | undefined;
}

/** scorePredictions(call): the call's scores of positives and negatives, turned into a loss by its criterion. */
export function scorePredictions(call: ScoreCall): InfoNCEResult {
  checkInfoNCEArgs(call.fn, call.args);
  return call.form === 'grid' ? scoreGridForm(call) : scoreSequenceForm(call);
}

/** The sequence form: z [S, T, C], c [S, T, D]. */
function scoreSequenceForm({ fn, criterion, z, c, predictor, args, negatives }: ScoreCall): InfoNCEResult {
  if (z.rank !== 3 || c.rank !== 3) {
    throw new Error(`${fn}: z and c must be [S, T, ·], got [${z.shape.join(', ')}] and [${c.shape.join(', ')}]`);
  }
  const [S, T, C] = z.shape as [number, number, number];
  if (c.shape[0] !== S || c.shape[1] !== T) {
    throw new Error(`${fn}: z is [${z.shape.join(', ')}] but c is [${c.shape.join(', ')}]; they must share [S, T]`);
  }
  // Read on z's channel-first view [S, C, T] — the layout of the conv that made z — so the gradient lands in the
  // layout the conv's backward reads.
  const seqs: Sequences = { S, T, C, rows: (s, t) => index(transpose(z, 1, 2), [s, null, t]) };
  return scoreSequences(seqs, c === z ? null : c, predictor, args, criterion, negatives);
}

/** The grid form: z [B, C, H, W], c [B, D, H, W]. */
function scoreGridForm({ fn, criterion, z, c, predictor, args, negatives }: ScoreCall): InfoNCEResult {
  if (z.rank !== 4 || c.rank !== 4) {
    throw new Error(`${fn}: z and c must be [B, ·, H, W], got [${z.shape.join(', ')}] and [${c.shape.join(', ')}]`);
  }
  const [B, C, H, W] = z.shape as [number, number, number, number];
  if (c.shape[0] !== B || c.shape[2] !== H || c.shape[3] !== W) {
    throw new Error(`${fn}: z is [${z.shape.join(', ')}] but c is [${c.shape.join(', ')}]; they must share B, H, W`);
  }
  // z is read in place (its gradient keeps z's layout); a separate context map is laid out as sequences once.
  const seqs: Sequences = {
    S: B * W,
    T: H,
    C,
    rows: (s, t) => index(z, [floorDivide(s, W), null, t, remainder(s, W)]),
  };
  const gridArgs = { ...args, window: null }; // every row of a column is predicted
  if (c === z) return scoreSequences(seqs, null, predictor, gridArgs, criterion, negatives);
  const cs = tidy(() => reshape(permute(c, [0, 3, 2, 1]), [B * W, H, c.shape[1]!])); // [B·W, H, D]
  try {
    return scoreSequences(seqs, cs, predictor, gridArgs, criterion, negatives);
  } finally {
    cs.dispose();
  }
}

/** The targets z as S sequences of T steps of C channels, read row by row wherever z lives. */
interface Sequences {
  S: number;
  T: number;
  C: number;
  /** rows(s, t) → [R, C]: z at sequence s[r], step t[r], gathered by one index op (one scatter in the backward). */
  rows(s: Tensor, t: Tensor): Tensor;
}

/** Scored predictions over sequences; contexts [S, T, D], or null when c = z (the contexts are then z's own rows). */
function scoreSequences(
  z: Sequences,
  c: Tensor | null,
  predictor: Tensor,
  args: InfoNCEArgs,
  criterion: ScoreCriterion,
  negatives?: NegativeIndices,
): InfoNCEResult {
  const { S, T, C } = z;
  const K = args.predictionSteps;
  const skip = args.skip ?? 0;
  const D = c === null ? C : c.shape[2]!;
  if (predictor.shape[0] !== K * C || predictor.shape[1] !== D) {
    throw new Error(`infoNCE: predictor must be [K·C, D] = [${K * C}, ${D}], got [${predictor.shape.join(', ')}]`);
  }
  if (T <= K + skip) throw new Error(`infoNCE: sequence length ${T} must exceed predictionSteps + skip = ${K + skip}`);
  const device = predictor.device;
  let accuracy = 0;
  const loss = tidy(() => {
    const w = args.window ?? null;
    const L = w !== null && T > w ? w : T;
    const start = L < T ? randomStart(T - L + 1) : 0;
    const a: PredictArgs = { K, skip, start, L, C };
    const idx = positiveIndex(S, a, device, predictor.dtype);
    const Q = idx.predRow.shape[0]!;
    const N = args.negativeSamples;
    const neg =
      negatives ??
      sampleNegatives({ population: S * T, positives: Q, count: N, groupSize: args.poolGroupSize ?? 8, device });
    const M = neg.pool.shape[0]!;
    // Every context and target lies in the window [start, start + L); only the negative pool comes from all S·T
    // positions. Both are read in one index op, so the backward scatters S·L + M rows into one gradient of z.
    const win = windowIndex(S, a, device);
    const rowsS = cat([win.s, floorDivide(neg.pool, T)]);
    const rowsT = cat([win.t, remainder(neg.pool, T)]);
    const rows = z.rows(rowsS, rowsT); // [S·L + M, C]
    const [window, pool] = splitWithSizes(rows, [S * L, M]) as [Tensor, Tensor]; // [S·L, C], [M, C]
    const targets = indexSelect(window, 0, idx.targetRow); // [Q, C] z_{t+k+skip}
    const cw = c === null ? reshape(window, [S, L, C]) : narrow(c, 1, start, L); // [S, L, D]
    const allPreds = reshape(linear(cw, predictor), [S * L * K, C]); // [S·L·K, C]: W_k c_t for all k, one matmul
    const preds = indexSelect(allPreds, 0, idx.predRow); // [Q, C]
    const positives = sum(mul(preds, targets), 1); // [Q] score(z_{t+k}, c_t)
    const poolScores = matmul(preds, transpose(pool, 0, 1)); // [Q, M]
    const negScores = gather(poolScores, 1, neg.pick); // [Q, N]
    const logits = cat([unsqueeze(positives, 1), negScores], 1); // [Q, 1+N]
    accuracy = noGrad(() => mean(to(eq(argmax(logits, 1), 0), { dtype: 'float32' })).item());
    return criterion(logits, idx.weights); // []
  });
  return { loss, accuracy };
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
 * The scored (sequence s, window time t, step k) triples in (k, s, t) order: each one's row in W c flattened to
 * [S·L·K, C], its target's row in the window flattened to [S·L, C], and its averaging weight 1 / (K · S · n_k).
 */
function positiveIndex(
  S: number,
  args: PredictArgs,
  device: Device,
  dtype: DType,
): { predRow: Tensor; targetRow: Tensor; weights: Tensor } {
  const predRow: number[] = [];
  const targetRow: number[] = [];
  const weights: number[] = [];
  for (let step = 1; step <= args.K; step++) {
    const offset = step + args.skip;
    const n = args.L - offset; // predicting positions t ∈ [0, n) of the window
    for (let seq = 0; seq < S; seq++) {
      for (let time = 0; time < n; time++) {
        predRow.push((seq * args.L + time) * args.K + step - 1);
        targetRow.push(seq * args.L + time + offset);
        weights.push(1 / (args.K * S * n));
      }
    }
  }
  const ints = (xs: number[]) => tensor(xs, [xs.length], { dtype: 'int64', device });
  return {
    predRow: ints(predRow),
    targetRow: ints(targetRow),
    weights: tensor(new Float64Array(weights), [weights.length], { dtype, device }),
  };
}

/** The window's (sequence, time) rows in [S, L] order, for gathering the contexts c_t together with the targets. */
function windowIndex(S: number, args: PredictArgs, device: Device): { s: Tensor; t: Tensor } {
  const s: number[] = [];
  const t: number[] = [];
  for (let seq = 0; seq < S; seq++) {
    for (let time = 0; time < args.L; time++) {
      s.push(seq);
      t.push(args.start + time);
    }
  }
  return { s: tensor(s, [s.length], { dtype: 'int64', device }), t: tensor(t, [t.length], { dtype: 'int64', device }) };
}
