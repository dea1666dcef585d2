import { describe, expect, it } from 'vitest';
import { manualSeed, randn, tensor } from '../tensor/index.js';
import { Predsim, cosineSimilarityMatrix, similarityMatchingLoss } from './predsim.js';
import { expectFiniteDifferences, float64Values as f64, toFloat64 } from './testing.js';

/** Plain adjusted cosine similarity of the rows of x [B, D]: each row centred, then cosines (‖·‖ + 1e-8). */
function plainSimilarity(x: number[][]): number[][] {
  const unit = x.map((row) => {
    const m = row.reduce((a, v) => a + v, 0) / row.length;
    const c = row.map((v) => v - m);
    const norm = Math.sqrt(c.reduce((a, v) => a + v * v, 0)) + 1e-8;
    return c.map((v) => v / norm);
  });
  return unit.map((a) => unit.map((b) => a.reduce((s, v, i) => s + v * b[i]!, 0)));
}

/**
 * Plain float64 Predsim of a grid z [B, C, H, W]: h̄ = mean over the grid; (1 − β)·CE(W h̄ + b, y) +
 * β·mean_ij (S(h̄) − S(onehot y))².
 */
function plainPredsim(
  z: Float64Array,
  dims: { B: number; C: number; H: number; W: number; classes: number },
  weight: Float64Array, // [classes, C]
  bias: Float64Array, // [classes]
  labels: number[],
  beta: number,
): number {
  const { B, C, H, W, classes } = dims;
  const pooled = Array.from({ length: B }, (_, b) =>
    Array.from({ length: C }, (_, c) => {
      let s = 0;
      for (let i = 0; i < H * W; i++) s += z[(b * C + c) * H * W + i]!;
      return s / (H * W);
    }),
  );
  let ce = 0;
  for (let b = 0; b < B; b++) {
    const logits = Array.from({ length: classes }, (_, k) =>
      pooled[b]!.reduce((s, v, c) => s + weight[k * C + c]! * v, bias[k]!),
    );
    const m = Math.max(...logits);
    ce += m + Math.log(logits.reduce((s, v) => s + Math.exp(v - m), 0)) - logits[labels[b]!]!;
  }
  ce /= B;
  const oneHot = labels.map((y) => Array.from({ length: classes }, (_, k) => (k === y ? 1 : 0)));
  const [sh, sy] = [plainSimilarity(pooled), plainSimilarity(oneHot)];
  let sim = 0;
  for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) sim += (sh[i]![j]! - sy[i]![j]!) ** 2;
  return (1 - beta) * ce + (beta * sim) / (B * B);
}

describe('Predsim', () => {
  it('similarity term of a hand-computed 3×3 example: S(h) vs S(onehot y) gives 4/3', () => {
    // h rows centred: (−1, 0, 1), (1, 0, −1), (−1, −1, 2) → S(h) = [[1, −1, √3/2], [−1, 1, −√3/2], [√3/2, −√3/2, 1]].
    // Labels (0, 0, 1) of 3 classes, centred one-hots → S(Y) = [[1, 1, −½], [1, 1, −½], [−½, −½, 1]].
    // Squared differences: 4 (twice), (√3/2 + ½)² and (½ − √3/2)² (twice each, summing to 2 per pair) → 12 / 9.
    const h = tensor(new Float64Array([1, 2, 3, 3, 2, 1, 0, 0, 3]), [3, 3]);
    const y = tensor([0, 0, 1], [3], { dtype: 'int64' });
    const s = f64(cosineSimilarityMatrix(h));
    const r3 = Math.sqrt(3) / 2;
    [1, -1, r3, -1, 1, -r3, r3, -r3, 1].forEach((v, i) => expect(s[i]!).toBeCloseTo(v, 7));
    expect(similarityMatchingLoss(h, y, 3).item()).toBeCloseTo(4 / 3, 7);
  });

  it('equals the plain float64 definition (β = 0.99 and β = 0.5) in value and gradient', () => {
    const dims = { B: 4, C: 3, H: 2, W: 2, classes: 3 };
    const labels = [0, 2, 2, 1];
    for (const beta of [0.99, 0.5]) {
      manualSeed(31);
      const head = toFloat64(new Predsim({ channels: dims.C, classes: dims.classes, form: 'grid', beta }));
      const z = randn([dims.B, dims.C, dims.H, dims.W], { dtype: 'float64' }).requireGrad();
      const targets = tensor(labels, [dims.B], { dtype: 'int64' });
      const { loss, accuracy } = head.loss({ z, targets });
      const [w, b] = [f64(head.classifier.weight), f64(head.classifier.bias!)];
      const at = (zv: Float64Array, wv = w) => plainPredsim(zv, dims, wv, b, labels, beta);
      expect(loss.item()).toBeCloseTo(at(f64(z)), 10);
      expect(accuracy).toBeGreaterThanOrEqual(0);
      loss.backward();
      expectFiniteDifferences(f64(z.grad!), f64(z), (v) => at(v), `z (β ${beta})`);
      expectFiniteDifferences(f64(head.classifier.weight.grad!), w, (v) => at(f64(z), v), `W (β ${beta})`);
      head.dispose();
    }
  });

  it("defaults to the paper's β = 0.99, and needs one label per example", () => {
    const head = new Predsim({ channels: 2, classes: 3, form: 'sequence' });
    expect(head.beta).toBe(0.99);
    expect(() => head.loss({ z: randn([2, 5, 2]) })).toThrow(/Predsim: no labels/);
    expect(() => head.loss({ z: randn([2, 5, 2]), targets: tensor([0], [1], { dtype: 'int64' }) })).toThrow(
      /Predsim: expected 2 labels/,
    );
    expect(() => new Predsim({ channels: 2, classes: 3, form: 'grid', beta: 1.5 })).toThrow(/Predsim: beta/);
    head.dispose();
  });
});
