/**
 * Deep InfoMax (Hjelm, Fedorov, Lavoie-Marchildon, Grewal, Bachman, Trischler, Bengio, "Learning deep representations
 * by mutual information estimation and maximization", ICLR 2019), local + global, as a module's loss head:
 *   L = β · L_local + α · L_global,  L_local = −(1/HW) Σ_i Î(M⁽ⁱ⁾; y),  L_global = −Î(M; y),  y = E(M),
 * with the JSD estimator Î = E_P[−sp(−T)] − E_{P×P̃}[sp(T)] (paper eq. 4) or the InfoNCE one
 * Î = E_P[T − log Σ_{P̃} e^T] (eq. 5), T a critic, sp = softplus.
 *
 * M [B, C, H, W] is the module's local feature map; the global vector y = E(M) is a linear map of M average-pooled to
 * a summary grid of g × g cells. The critics are the paper's encode-and-dot-product form, with linear embeddings:
 * local T(M_b⁽ⁱ⁾, y_b') = φ_L(M_b⁽ⁱ⁾) · φ_G(y_b') (φ_L a 1×1 convolution), global T(M_b, y_b') = ψ(M̄_b) · φ'(y_b'),
 * M̄ the summary grid flattened. Positives pair a map with its own image's y; negatives with the other images' of the
 * batch. InfoNCE's local form scores, for each y_b, each location of image b against every location of the other
 * images (as the authors' code). The prior-matching term (γ) is not included.
 */
import { Linear } from '../nn/index.js';
import {
  adaptiveAvgPool2d,
  argmax,
  arange,
  eq,
  expand,
  eye,
  full,
  logsumexp,
  mean,
  mul,
  neg,
  noGrad,
  permute,
  reshape,
  softplus,
  stack,
  sub,
  sum,
  to,
  transpose,
  unsqueeze,
  where,
  zerosLike,
  add,
  matmul,
  type Tensor,
} from '../tensor/index.js';
import { numberIn, oneOf, positiveInteger } from '../util/check.js';
import { LocalObjective, type LocalObjectiveName, type ObjectiveInputs, type ObjectiveResult } from './objective.js';

/** The mutual-information estimators of the paper. */
export const dimEstimators = ['jsd', 'infonce'] as const;
export type DimEstimator = (typeof dimEstimators)[number];

export interface DeepInfoMaxArgs {
  /** C: channels of the local feature map M. */
  channels: number;
  estimator: DimEstimator;
  /** α: weight of the global term (0: DIM(L)). */
  globalWeight: number;
  /** β: weight of the local term (0: DIM(G)). */
  localWeight: number;
  /** Size of the global vector y (64 in the paper). */
  globalSize?: number;
  /** Width of the critics' embeddings φ_L, φ_G, ψ, φ'. */
  embedSize?: number;
  /** g: the summary grid E and the global critic read (M average-pooled to g × g). */
  summaryGrid?: number;
}

/** The defaults: the paper's 64-d global vector, 256-d critic embeddings, a 2 × 2 summary. */
export const DIM_DEFAULTS = { globalSize: 64, embedSize: 256, summaryGrid: 2 } as const;

/**
 * dimScoreLoss(scores, positive, estimator) → −Î over a score matrix [R, B] whose column b' holds T(·, y_b') and
 * whose positives are marked by `positive` [R, B] (bool, one per row). JSD: mean_P sp(−T) + mean_N sp(T). InfoNCE: for
 * every positive (r, b), −T_rb + log(e^{T_rb} + Σ_{r' negative in column b} e^{T_r'b}), averaged over positives.
 */
export function dimScoreLoss(scores: Tensor, positive: Tensor, estimator: DimEstimator): Tensor {
  const [R, B] = scores.shape as [number, number];
  const pos = to(positive, { dtype: scores.dtype }); // [R, B] 1 at positives
  const posScore = sum(mul(scores, pos), 1); // [R]: each row's positive T
  if (estimator === 'jsd') {
    const ep = mean(softplus(neg(posScore))); // E_P sp(−T)
    const en = sum(where(positive, zerosLike(scores), softplus(scores))); // Σ_N sp(T)
    return add(ep, mul(en, 1 / (R * B - R))); // [] −Î_JSD
  }
  const negatives = where(positive, full([R, B], -Infinity, { dtype: scores.dtype, device: scores.device }), scores);
  const negLSE = logsumexp(negatives, 0); // [B]: log Σ over each column's negatives
  const rowNegLSE = sum(mul(pos, unsqueeze(negLSE, 0)), 1); // [R]: that of each row's positive column
  const lse = logsumexp(stack([posScore, rowNegLSE], 1), 1); // [R]
  return mean(sub(lse, posScore)); // [] −Î_NCE
}

/** The Deep InfoMax head: global encoder E, local and global critics, and the estimator's loss. */
export class DeepInfoMax extends LocalObjective {
  readonly objective: LocalObjectiveName = 'dim';
  readonly args: Required<DeepInfoMaxArgs>;
  /** E: summary grid (flattened, C·g·g) → y. */
  readonly globalEncoder: Linear;
  /** φ_L: a location's features → embedding (a 1×1 convolution). */
  readonly localEmbed: Linear;
  /** φ_G: y → embedding, scored against φ_L. */
  readonly globalEmbedLocal: Linear;
  /** ψ: the summary grid → embedding. */
  readonly mapEmbed: Linear;
  /** φ': y → embedding, scored against ψ. */
  readonly globalEmbed: Linear;

  constructor(args: DeepInfoMaxArgs) {
    super();
    const a = { ...DIM_DEFAULTS, ...args };
    positiveInteger('DeepInfoMax', 'channels', a.channels);
    oneOf('DeepInfoMax', 'estimator', a.estimator, dimEstimators);
    numberIn('DeepInfoMax', 'globalWeight', a.globalWeight, 0, Number.MAX_VALUE);
    numberIn('DeepInfoMax', 'localWeight', a.localWeight, 0, Number.MAX_VALUE);
    if (a.globalWeight + a.localWeight === 0) throw new Error('DeepInfoMax: globalWeight and localWeight are both 0');
    positiveInteger('DeepInfoMax', 'globalSize', a.globalSize);
    positiveInteger('DeepInfoMax', 'embedSize', a.embedSize);
    positiveInteger('DeepInfoMax', 'summaryGrid', a.summaryGrid);
    this.args = a;
    const summary = a.channels * a.summaryGrid * a.summaryGrid;
    this.globalEncoder = this.registerModule('globalEncoder', new Linear(summary, a.globalSize));
    this.localEmbed = this.registerModule('localEmbed', new Linear(a.channels, a.embedSize));
    this.globalEmbedLocal = this.registerModule('globalEmbedLocal', new Linear(a.globalSize, a.embedSize));
    this.mapEmbed = this.registerModule('mapEmbed', new Linear(summary, a.embedSize));
    this.globalEmbed = this.registerModule('globalEmbed', new Linear(a.globalSize, a.embedSize));
  }

  /** loss({ z }): z = M [B, C, H, W], B ≥ 2 (the negatives are the other images of the batch). */
  loss(inputs: ObjectiveInputs): ObjectiveResult {
    const M = inputs.z;
    if (M.rank !== 4 || M.shape[1] !== this.args.channels) {
      throw new Error(`DeepInfoMax: expected a map [B, ${this.args.channels}, H, W], got [${M.shape.join(', ')}]`);
    }
    const [B, C, H, W] = M.shape as [number, number, number, number];
    if (B < 2) throw new Error(`DeepInfoMax: needs a batch of at least 2 images (the negatives), got ${B}`);
    const g = this.args.summaryGrid;
    const summary = reshape(adaptiveAvgPool2d(M, [g, g]), [B, C * g * g]); // [B, C·g·g]
    const y = this.globalEncoder.forward(summary); // [B, G]
    const positive = eq(eye(B, { device: M.device }), 1); // [B, B] bool: image b with its own y
    let loss: Tensor | null = null;
    if (this.args.localWeight > 0) {
      const locals = this.localEmbed.forward(reshape(permute(M, [0, 2, 3, 1]), [B * H * W, C])); // [B·HW, E]
      const scores = matmul(locals, transpose(this.globalEmbedLocal.forward(y), 0, 1)); // [B·HW, B]
      const rowPositive = reshape(expand(unsqueeze(positive, 1), [B, H * W, B]), [B * H * W, B]); // [B·HW, B]
      loss = mul(dimScoreLoss(scores, rowPositive, this.args.estimator), this.args.localWeight);
    }
    const globalScores = matmul(this.mapEmbed.forward(summary), transpose(this.globalEmbed.forward(y), 0, 1)); // [B, B]
    if (this.args.globalWeight > 0) {
      const term = mul(dimScoreLoss(globalScores, positive, this.args.estimator), this.args.globalWeight);
      loss = loss === null ? term : add(loss, term);
    }
    // How often an image's y picks its own map among the batch's (the global critic's task).
    const accuracy = noGrad(() =>
      mean(to(eq(argmax(globalScores, 0), arange(0, B, 1, { device: M.device })), { dtype: 'float32' })).item(),
    );
    return { loss: loss!, accuracy };
  }
}
