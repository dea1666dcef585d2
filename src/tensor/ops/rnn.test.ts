import { describe, expect, it } from 'vitest';
import {
  cat,
  contiguous,
  flatten,
  gru,
  gruCell,
  reshape,
  tensor,
  tidy,
  transpose,
  zeros,
  type GruLayerWeights,
  type Tensor,
} from '../index.js';
import { expectClose, gradcheck } from '../testing/gradcheck.js';
import { Rng } from '../../util/rng.js';

const f64 = { dtype: 'float64' as const };
const t = (data: number[], shape: number[]): Tensor => tensor(data, shape, f64);

/** Deterministic float64 values in [-scale, scale) (mulberry32), leaving libtorch's RNG alone. */
function rand(shape: number[], seed: number, scale = 1, requiresGrad = true): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((p, q) => p * q, 1);
  const v = Float64Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
  return tensor(v, shape, { ...f64, requiresGrad });
}

/** Random weights for `layers` layers (input size `inSize`, hidden `H`), all requiring grad. */
function weights(layers: number, inSize: number, H: number, seed: number, bias = true): GruLayerWeights[] {
  return Array.from({ length: layers }, (_, l) => ({
    wIh: rand([3 * H, l === 0 ? inSize : H], seed + 10 * l, 0.7),
    wHh: rand([3 * H, H], seed + 10 * l + 1, 0.7),
    bIh: bias ? rand([3 * H], seed + 10 * l + 2, 0.7) : null,
    bHh: bias ? rand([3 * H], seed + 10 * l + 3, 0.7) : null,
  }));
}
const flat = (ls: GruLayerWeights[]): Tensor[] =>
  ls.flatMap((l) => [l.wIh, l.wHh, ...(l.bIh ? [l.bIh] : []), ...(l.bHh ? [l.bHh] : [])]);
const unflat = (ws: Tensor[], layers: number, bias: boolean): GruLayerWeights[] => {
  const k = bias ? 4 : 2;
  return Array.from({ length: layers }, (_, l) => ({
    wIh: ws[k * l]!,
    wHh: ws[k * l + 1]!,
    bIh: bias ? ws[k * l + 2]! : null,
    bHh: bias ? ws[k * l + 3]! : null,
  }));
};

/** Plain-JS GRU step, PyTorch's equations and gate order (r, z, n). */
function refCell(x: number[], h: number[], w: number[][], H: number): number[] {
  const [wIh, wHh, bIh, bHh] = w as [number[], number[], number[], number[]];
  const inSize = x.length;
  const gi = (j: number): number => bIh[j]! + x.reduce((s, xv, k) => s + wIh[j * inSize + k]! * xv, 0);
  const gh = (j: number): number => bHh[j]! + h.reduce((s, hv, k) => s + wHh[j * H + k]! * hv, 0);
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  return h.map((hj, j) => {
    const r = sig(gi(j) + gh(j));
    const z = sig(gi(H + j) + gh(H + j));
    const n = Math.tanh(gi(2 * H + j) + r * gh(2 * H + j));
    return (1 - z) * n + z * hj;
  });
}

/** Reference multi-layer GRU over time-first x [T][B][in]; returns [output [T][B][H], hN [L][B][H]]. */
function refGru(x: number[][][], h0: number[][][], ws: number[][][], H: number): [number[][][], number[][][]] {
  let seq = x;
  const hN: number[][][] = [];
  ws.forEach((w, l) => {
    let h = h0[l]!;
    seq = seq.map((xt) => (h = xt.map((xb, b) => refCell(xb, h[b]!, w, H))));
    hN.push(h);
  });
  return [seq, hN];
}

const nest = (v: number[], shape: number[]): number[][][] =>
  Array.from({ length: shape[0]! }, (_, i) =>
    Array.from({ length: shape[1]! }, (_, j) =>
      v.slice((i * shape[1]! + j) * shape[2]!, (i * shape[1]! + j + 1) * shape[2]!),
    ),
  );

describe('gru values', () => {
  const one = (wIh: number, bIh: number[], bHh = [0, 0, 0]): GruLayerWeights[] => [
    { wIh: t([0, 0, wIh], [3, 1]), wHh: zeros([3, 1], f64), bIh: t(bIh, [3]), bHh: t(bHh, [3]) },
  ];

  it('zero weights: r = z = ½, n = 0, so h halves every step', () =>
    tidy(() => {
      const [out, hN] = gru(t([7, -3, 5], [3, 1, 1]), t([0.8], [1, 1, 1]), one(0, [0, 0, 0]));
      expect(out.shape).toEqual([3, 1, 1]);
      expect(hN.shape).toEqual([1, 1, 1]);
      expectClose(out, [0.4, 0.2, 0.1], 1e-15);
      expectClose(hN, [0.1], 1e-15);
    }));

  it('gate order r, z, n: z saturated at 1 keeps h0; at 0 gives h = tanh(W_in x)', () =>
    tidy(() => {
      const x = t([0.5, -1, 2], [3, 1, 1]);
      expectClose(gru(x, t([0.3], [1, 1, 1]), one(1, [0, 100, 0]))[0], [0.3, 0.3, 0.3], 1e-12);
      expectClose(gru(x, t([0.3], [1, 1, 1]), one(1, [0, -100, 0]))[0], [0.5, -1, 2].map(Math.tanh), 1e-12);
    }));

  it('r gates (W_hn h + b_hn), not the input part: n = tanh(b_in + σ(0)·b_hn)', () =>
    tidy(() => {
      const [out] = gru(t([0], [1, 1, 1]), t([0], [1, 1, 1]), one(0, [0, -100, 0.25], [0, 0, 1]));
      expectClose(out, [Math.tanh(0.25 + 0.5)], 1e-12);
    }));

  for (const batchFirst of [false, true]) {
    it(`2 layers, batchFirst ${batchFirst}: matches a plain-JS reference`, () =>
      tidy(() => {
        const [T, B, IN, H] = [4, 2, 3, 5];
        const xTB = rand([T, B, IN], 1, 1, false);
        const h0 = rand([2, B, H], 2, 1, false);
        const ws = weights(2, IN, H, 100);
        const x = batchFirst ? transpose(xTB, 0, 1) : xTB;
        const [out, hN] = gru(x, h0, ws, { batchFirst });
        expect(out.shape).toEqual(batchFirst ? [B, T, H] : [T, B, H]);
        expect(hN.shape).toEqual([2, B, H]);
        const wArr = ws.map((l) => [l.wIh, l.wHh, l.bIh!, l.bHh!].map((w) => w.toArray()));
        const [refOut, refH] = refGru(nest(xTB.toArray(), [T, B, IN]), nest(h0.toArray(), [2, B, H]), wArr, H);
        expectClose(batchFirst ? contiguous(transpose(out, 0, 1)) : out, refOut.flat(2), 1e-12);
        expectClose(hN, refH.flat(2), 1e-12);
      }));
  }

  it('hN[last layer] is the last output step', () =>
    tidy(() => {
      const [out, hN] = gru(rand([3, 2, 2], 5, 1, false), rand([2, 2, 3], 6, 1, false), weights(2, 2, 3, 7));
      expectClose(hN.toArray().slice(6), out.toArray().slice(2 * 2 * 3), 0);
    }));

  it('without biases', () =>
    tidy(() => {
      const ws = weights(1, 2, 3, 30, false);
      const x = rand([2, 1, 2], 31, 1, false);
      const h0 = rand([1, 1, 3], 32, 1, false);
      const wArr = [[ws[0]!.wIh.toArray(), ws[0]!.wHh.toArray(), Array(9).fill(0), Array(9).fill(0)]];
      const [refOut] = refGru(nest(x.toArray(), [2, 1, 2]), nest(h0.toArray(), [1, 1, 3]), wArr, 3);
      expectClose(gru(x, h0, ws)[0], refOut.flat(2), 1e-12);
    }));

  it('a wrong input size throws a JS Error, and the engine keeps working', () =>
    tidy(() => {
      const ws = weights(1, 3, 4, 40);
      const h0 = zeros([1, 2, 4], f64);
      let caught: unknown;
      try {
        gru(zeros([5, 2, 6], f64), h0, ws);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(Error);
      expect((caught as Error).message).toMatch(/shape|size/);
      expect(() => gru(zeros([5, 2, 3], f64), zeros([1, 2, 5], f64), ws)).toThrow(Error); // wrong hidden size
      const [out] = gru(zeros([5, 2, 3], f64), h0, ws);
      expect(out.shape).toEqual([5, 2, 4]);
    }));
});

describe('gruCell values', () => {
  it('matches the plain-JS step and a one-step gru', () =>
    tidy(() => {
      const [w] = weights(1, 3, 4, 50);
      const x = rand([2, 3], 51, 1, false);
      const h = rand([2, 4], 52, 1, false);
      const y = gruCell(x, h, w!);
      expect(y.shape).toEqual([2, 4]);
      const wArr = [w!.wIh, w!.wHh, w!.bIh!, w!.bHh!].map((v) => v.toArray());
      const xs = x.toArray();
      const hs = h.toArray();
      const ref = [0, 1].flatMap((b) => refCell(xs.slice(3 * b, 3 * b + 3), hs.slice(4 * b, 4 * b + 4), wArr, 4));
      expectClose(y, ref, 1e-12);
      const [, hN] = gru(reshape(x, [1, 2, 3]), reshape(h, [1, 2, 4]), [w!]);
      expectClose(y, hN.toArray(), 1e-14);
    }));

  it('a wrong input size throws a JS Error naming input_size', () =>
    tidy(() => {
      const [w] = weights(1, 3, 4, 60);
      expect(() => gruCell(zeros([2, 5], f64), zeros([2, 4], f64), w!)).toThrow(/input_size/);
      expect(gruCell(zeros([2, 3], f64), zeros([2, 4], f64), w!).shape).toEqual([2, 4]);
    }));
});

describe('gru gradcheck (float64, finite differences): x, h0 and every weight', () => {
  for (const layers of [1, 2]) {
    for (const batchFirst of [false, true]) {
      it(`${layers} layer(s), batchFirst ${batchFirst}`, () =>
        tidy(() => {
          const [T, B, IN, H] = [3, 2, 2, 3];
          const x = rand(batchFirst ? [B, T, IN] : [T, B, IN], 70 + layers);
          const h0 = rand([layers, B, H], 80 + layers);
          const ws = weights(layers, IN, H, 90 + layers);
          const fn = (x: Tensor, h0: Tensor, ...w: Tensor[]): Tensor => {
            const [out, hN] = gru(x, h0, unflat(w, layers, true), { batchFirst });
            return cat([flatten(out), flatten(hN)]);
          };
          expect(gradcheck(fn, [x, h0, ...flat(ws)])).toBeLessThan(1e-6);
        }));
    }
  }

  it('1 layer without biases', () =>
    tidy(() => {
      const ws = weights(1, 2, 3, 95, false);
      const fn = (x: Tensor, h0: Tensor, ...w: Tensor[]): Tensor => gru(x, h0, unflat(w, 1, false))[0];
      expect(gradcheck(fn, [rand([3, 2, 2], 96), rand([1, 2, 3], 97), ...flat(ws)])).toBeLessThan(1e-6);
    }));

  it('gruCell: x, h and every weight', () =>
    tidy(() => {
      const [w] = weights(1, 3, 4, 98);
      const fn = (x: Tensor, h: Tensor, ...ws: Tensor[]): Tensor => gruCell(x, h, unflat(ws, 1, true)[0]!);
      expect(gradcheck(fn, [rand([2, 3], 99), rand([2, 4], 100), ...flat([w!])])).toBeLessThan(1e-6);
    }));
});
