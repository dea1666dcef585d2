import { describe, expect, it } from 'vitest';
import { manualSeed, randn, type Tensor } from '../tensor/index.js';
import { DeepInfoMax, type DimEstimator } from './dim.js';
import { expectFiniteDifferences, float64Values as f64, toFloat64 } from './testing.js';

/** A Linear layer's values: weight [out, in] row-major, bias [out]. */
interface PlainLinear {
  weight: Float64Array;
  bias: Float64Array;
  out: number;
  in: number;
}

const apply = (l: PlainLinear, x: number[]): number[] =>
  Array.from({ length: l.out }, (_, o) => x.reduce((s, v, i) => s + l.weight[o * l.in + i]! * v, l.bias[o]!));
const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
const softplus = (x: number): number => Math.log1p(Math.exp(x));
const logSumExp = (xs: number[]): number => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, v) => s + Math.exp(v - m), 0));
};

/**
 * Plain float64 Deep InfoMax with loops, from the paper's definitions: y = E(summary(M)); local scores
 * T(M_b⁽ⁱ⁾, y_b') = φ_L(M_b⁽ⁱ⁾)·φ_G(y_b'); global T(M_b, y_b') = ψ(summary_b)·φ'(y_b'); JSD or InfoNCE estimators.
 */
function plainDIM(
  M: Float64Array, // [B, C, H, W]
  dims: { B: number; C: number; H: number; W: number; g: number },
  p: Record<'E' | 'phiL' | 'phiG' | 'psi' | 'phiP', PlainLinear>,
  args: { estimator: DimEstimator; alpha: number; beta: number },
): number {
  const { B, C, H, W, g } = dims;
  const at = (b: number, c: number, h: number, w: number) => M[((b * C + c) * H + h) * W + w]!;
  // Adaptive average pooling to g × g: cell i covers [⌊iH/g⌋, ⌈(i+1)H/g⌉), as libtorch.
  const summary = Array.from({ length: B }, (_, b) => {
    const out: number[] = [];
    for (let c = 0; c < C; c++)
      for (let i = 0; i < g; i++)
        for (let j = 0; j < g; j++) {
          const [h0, h1] = [Math.floor((i * H) / g), Math.ceil(((i + 1) * H) / g)];
          const [w0, w1] = [Math.floor((j * W) / g), Math.ceil(((j + 1) * W) / g)];
          let s = 0;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += at(b, c, h, w);
          out.push(s / ((h1 - h0) * (w1 - w0)));
        }
    return out;
  });
  const y = summary.map((s) => apply(p.E, s));
  const N = H * W;
  const local = Array.from({ length: B }, (_, b) =>
    Array.from({ length: N }, (_, i) =>
      apply(
        p.phiL,
        Array.from({ length: C }, (_, c) => at(b, c, Math.floor(i / W), i % W)),
      ),
    ),
  );
  const gl = y.map((v) => apply(p.phiG, v));
  const T = (b: number, i: number, bp: number) => dot(local[b]![i]!, gl[bp]!); // local i of image b with y_bp
  const G = (b: number, bp: number) => dot(apply(p.psi, summary[b]!), apply(p.phiP, y[bp]!)); // map b with y_bp
  let localLoss = 0;
  let globalLoss = 0;
  if (args.estimator === 'jsd') {
    let [ep, en] = [0, 0];
    for (let b = 0; b < B; b++)
      for (let i = 0; i < N; i++)
        for (let bp = 0; bp < B; bp++) {
          if (bp === b) ep += softplus(-T(b, i, bp));
          else en += softplus(T(b, i, bp));
        }
    localLoss = ep / (B * N) + en / (B * N * (B - 1));
    let [gp, gn] = [0, 0];
    for (let b = 0; b < B; b++)
      for (let bp = 0; bp < B; bp++) {
        if (bp === b) gp += softplus(-G(b, bp));
        else gn += softplus(G(b, bp));
      }
    globalLoss = gp / B + gn / (B * (B - 1));
  } else {
    for (let b = 0; b < B; b++) {
      const negatives: number[] = [];
      for (let bp = 0; bp < B; bp++) if (bp !== b) for (let i = 0; i < N; i++) negatives.push(T(bp, i, b));
      for (let i = 0; i < N; i++) localLoss += -T(b, i, b) + logSumExp([T(b, i, b), ...negatives]);
      const gNeg = Array.from({ length: B }, (_, bp) => bp).filter((bp) => bp !== b);
      globalLoss += -G(b, b) + logSumExp([G(b, b), ...gNeg.map((bp) => G(bp, b))]);
    }
    localLoss /= B * N;
    globalLoss /= B;
  }
  return args.beta * localLoss + args.alpha * globalLoss;
}

/** The head's parameters as plain arrays. */
function plainParams(head: DeepInfoMax): Record<'E' | 'phiL' | 'phiG' | 'psi' | 'phiP', PlainLinear> {
  const plain = (l: DeepInfoMax['globalEncoder']): PlainLinear => ({
    weight: f64(l.weight),
    bias: f64(l.bias!),
    out: l.outFeatures,
    in: l.inFeatures,
  });
  return {
    E: plain(head.globalEncoder),
    phiL: plain(head.localEmbed),
    phiG: plain(head.globalEmbedLocal),
    psi: plain(head.mapEmbed),
    phiP: plain(head.globalEmbed),
  };
}

describe('Deep InfoMax', () => {
  const dims = { B: 3, C: 3, H: 3, W: 2, g: 2 };
  for (const estimator of ['jsd', 'infonce'] as const) {
    it(`${estimator}: equals the plain float64 definition in value and in gradient (map and head)`, () => {
      manualSeed(21);
      const args = { estimator, alpha: 0.5, beta: 1 };
      const head = toFloat64(
        new DeepInfoMax({
          channels: dims.C,
          estimator,
          globalWeight: args.alpha,
          localWeight: args.beta,
          globalSize: 2,
          embedSize: 3,
          summaryGrid: dims.g,
        }),
      );
      const M = randn([dims.B, dims.C, dims.H, dims.W], { dtype: 'float64' }).requireGrad();
      const { loss, accuracy } = head.loss({ z: M });
      const params = plainParams(head);
      expect(loss.item()).toBeCloseTo(plainDIM(f64(M), dims, params, args), 10);
      expect(accuracy).toBeGreaterThanOrEqual(0);
      loss.backward();
      expectFiniteDifferences(f64(M.grad!), f64(M), (v) => plainDIM(v, dims, params, args), 'M');
      const grad = (t: Tensor) => f64(t.grad!);
      for (const name of ['E', 'phiL', 'psi'] as const) {
        const layer = {
          E: head.globalEncoder,
          phiL: head.localEmbed,
          psi: head.mapEmbed,
        }[name];
        expectFiniteDifferences(
          grad(layer.weight),
          params[name].weight,
          (v) => plainDIM(f64(M), dims, { ...params, [name]: { ...params[name], weight: v } }, args),
          `${name}.weight`,
        );
      }
      head.dispose();
    });
  }

  it('DIM(L) and DIM(G): a zero weight drops that term', () => {
    manualSeed(22);
    const M = randn([dims.B, dims.C, dims.H, dims.W], { dtype: 'float64' });
    const make = (globalWeight: number, localWeight: number) =>
      toFloat64(new DeepInfoMax({ channels: dims.C, estimator: 'jsd', globalWeight, localWeight, summaryGrid: 2 }));
    manualSeed(23);
    const both = make(0.5, 1);
    manualSeed(23);
    const onlyLocal = make(0, 1);
    manualSeed(23);
    const onlyGlobal = make(0.5, 0);
    const value = (h: DeepInfoMax) => h.loss({ z: M }).loss.item();
    expect(value(both)).toBeCloseTo(value(onlyLocal) + value(onlyGlobal), 10);
    expect(() => make(0, 0)).toThrow(/both 0/);
    for (const h of [both, onlyLocal, onlyGlobal]) h.dispose();
  });

  it('refuses a batch of one image and a map of the wrong width', () => {
    const head = new DeepInfoMax({ channels: 4, estimator: 'infonce', globalWeight: 1, localWeight: 1 });
    expect(() => head.loss({ z: randn([1, 4, 2, 2]) })).toThrow(/at least 2 images/);
    expect(() => head.loss({ z: randn([2, 3, 2, 2]) })).toThrow(/DeepInfoMax: expected a map \[B, 4, H, W\]/);
    head.dispose();
  });
});
