/**
 * Test utilities: a finite-difference gradient checker (float64) and a tolerance comparison.
 * Not imported by the engine itself; used by the tests beside each op file.
 */
import { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { noGrad } from '../autograd.js';
import { tensor } from '../ops/creation.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { Rng } from '../../util/rng.js';

export interface GradcheckOptions {
  /** Central-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, times |numeric| (default 1e-4). */
  rtol?: number;
  /** Seed of the JS generator that draws the output weighting R (default 1234). */
  seed?: number;
}

/** Weights in ±[0.5, 1.5): nonzero, so that every output element contributes to the checked scalar. */
function weights(n: number, seed: number): Float64Array {
  const rng = new Rng(seed); // a JS generator: leaves libtorch's RNG untouched
  return Float64Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1) * (0.5 + rng.next()));
}

/** Row-major multi-index of flat element `k` in `shape`. */
function multiIndex(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d]!;
    idx[d] = k % s;
    k = Math.floor(k / s);
  }
  return idx;
}

/**
 * gradcheck(fn, inputs): compare the analytic gradient (backward()) of L = Σ fn(...inputs) ⊙ R with central finite
 * differences, for every input that requires grad (those must be float64). R is a fixed random float64 tensor of
 * fn's output shape. Throws an Error naming the input, element and both values when
 * |analytic − numeric| > atol + rtol·|numeric| for any element; otherwise returns the max |analytic − numeric|.
 * Inputs are never modified and their .grad is left untouched (fn runs on rebuilt copies).
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): number {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  return tidy(() => {
    const wrt = inputs.map((x) => x.requiresGrad);
    if (!wrt.some(Boolean)) throw new Error('gradcheck: no input requires grad');
    const values: (Float64Array | null)[] = inputs.map((x, i) => {
      if (!wrt[i]) return null;
      if (x.dtype !== 'float64') throw new Error(`gradcheck: input ${i} requires grad but is ${x.dtype}, not float64`);
      return x.data() as Float64Array;
    });
    const rebuild = (i: number, v: Float64Array, grad: boolean): Tensor =>
      tensor(v, inputs[i]!.shape, { dtype: 'float64', requiresGrad: grad });

    // Analytic: backward through fresh leaves.
    const leaves = inputs.map((x, i) => (wrt[i] ? rebuild(i, values[i]!, true) : x));
    const out = fn(...leaves);
    if (out.dtype !== 'float64' && out.dtype !== 'float32') {
      throw new Error(`gradcheck: fn returned ${out.dtype}; a floating output is needed`);
    }
    const outShape = out.shape;
    const r = tensor(weights(out.size, opts.seed ?? 1234), outShape, { dtype: 'float64' });
    const loss = sum(mul(out, r));
    if (loss.requiresGrad) loss.backward();
    const analytic = leaves.map((leaf, i) => {
      if (!wrt[i]) return null;
      const g = leaf.grad;
      return g === null ? new Float64Array(leaf.size) : (g.data() as Float64Array);
    });

    // Numeric: central differences, one element at a time.
    const evaluate = (i: number, v: Float64Array): number =>
      tidy(() =>
        noGrad(() => {
          const xs = inputs.map((x, j) =>
            j === i ? rebuild(j, v, false) : wrt[j] ? rebuild(j, values[j]!, false) : x,
          );
          const y = fn(...xs);
          if (y.shape.join(',') !== outShape.join(',')) {
            throw new Error(`gradcheck: fn's output shape changed from [${outShape}] to [${y.shape}]`);
          }
          return sum(mul(y, r)).item();
        }),
      );

    let maxErr = 0;
    for (let i = 0; i < inputs.length; i++) {
      if (!wrt[i]) continue;
      const v = values[i]!;
      const a = analytic[i]!;
      for (let k = 0; k < v.length; k++) {
        const p = Float64Array.from(v);
        p[k] = v[k]! + eps;
        const fPlus = evaluate(i, p);
        p[k] = v[k]! - eps;
        const fMinus = evaluate(i, p);
        const numeric = (fPlus - fMinus) / (2 * eps);
        const err = Math.abs(a[k]! - numeric);
        if (!(err <= atol + rtol * Math.abs(numeric))) {
          throw new Error(
            `gradcheck failed: input ${i}, element ${k} (index [${multiIndex(k, inputs[i]!.shape)}]): ` +
              `analytic ${a[k]} vs numeric ${numeric} (|diff| ${err} > atol ${atol} + rtol ${rtol}·|numeric|)`,
          );
        }
        maxErr = Math.max(maxErr, err);
      }
    }
    return maxErr;
  });
}

/**
 * expectClose(actual, expected, tol): throws unless actual has expected's length and |actual_k − expected_k| ≤ tol
 * for every k (NaN matches only NaN; ±Infinity only itself).
 */
export function expectClose(actual: Tensor | readonly number[], expected: readonly number[], tol = 1e-6): void {
  const got = actual instanceof Tensor ? actual.toArray() : [...actual];
  if (got.length !== expected.length) {
    throw new Error(`expectClose: got ${got.length} values, expected ${expected.length}: [${got}] vs [${expected}]`);
  }
  for (let k = 0; k < got.length; k++) {
    const a = got[k]!;
    const e = expected[k]!;
    const ok = Number.isNaN(e) ? Number.isNaN(a) : a === e || Math.abs(a - e) <= tol;
    if (!ok) {
      throw new Error(`expectClose: element ${k}: got ${a}, expected ${e} (tol ${tol}); got [${got}] vs [${expected}]`);
    }
  }
}
