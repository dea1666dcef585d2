/** A radix-2 real FFT (power spectrum only) for the MFCC pipeline: one complex FFT of size n/2 plus a split step. */

/** True for 1, 2, 4, 8, …. */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** Precomputed tables for a real FFT of size n (a power of two ≥ 2), via one complex FFT of size n/2. */
export interface RealFftPlan {
  n: number;
  half: number;
  bitrev: Uint32Array;
  /** cos/sin of −2πk/half for k < half/2 (complex FFT twiddles). */
  cosH: Float64Array;
  sinH: Float64Array;
  /** cos/sin of −2πk/n for k ≤ half (real-FFT post-processing twiddles). */
  cosN: Float64Array;
  sinN: Float64Array;
  re: Float64Array;
  im: Float64Array;
}

export function makeRealFftPlan(n: number): RealFftPlan {
  if (!isPowerOfTwo(n) || n < 2) throw new RangeError(`real FFT size must be a power of two ≥ 2, got ${n}`);
  const half = n / 2;
  const bits = Math.round(Math.log2(half));
  const bitrev = new Uint32Array(half);
  for (let i = 0; i < half; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    bitrev[i] = r;
  }
  const cosH = new Float64Array(Math.max(1, half / 2));
  const sinH = new Float64Array(Math.max(1, half / 2));
  for (let k = 0; k < half / 2; k++) {
    cosH[k] = Math.cos((-2 * Math.PI * k) / half);
    sinH[k] = Math.sin((-2 * Math.PI * k) / half);
  }
  const cosN = new Float64Array(half + 1);
  const sinN = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) {
    cosN[k] = Math.cos((-2 * Math.PI * k) / n);
    sinN[k] = Math.sin((-2 * Math.PI * k) / n);
  }
  return { n, half, bitrev, cosH, sinH, cosN, sinN, re: new Float64Array(half), im: new Float64Array(half) };
}

/**
 * |X[k]|² for k = 0..n/2 of the real sequence x (length n, a power of two), written into `out` (length n/2 + 1).
 * Packs even/odd samples into one complex FFT of size n/2 (iterative radix-2), then splits the spectrum.
 */
export function realFftPowerInto(plan: RealFftPlan, x: Float64Array, out: Float64Array): void {
  const { half, bitrev, cosH, sinH, cosN, sinN, re, im } = plan;
  for (let i = 0; i < half; i++) {
    const j = bitrev[i]!;
    re[j] = x[2 * i]!;
    im[j] = x[2 * i + 1]!;
  }
  for (let size = 2; size <= half; size *= 2) {
    const step = half / size;
    const h = size / 2;
    for (let start = 0; start < half; start += size) {
      for (let k = 0; k < h; k++) {
        const wr = cosH[k * step]!;
        const wi = sinH[k * step]!;
        const a = start + k;
        const b = a + h;
        const br = re[b]!;
        const bi = im[b]!;
        const tr = wr * br - wi * bi;
        const ti = wr * bi + wi * br;
        const ar = re[a]!;
        const ai = im[a]!;
        re[a] = ar + tr;
        im[a] = ai + ti;
        re[b] = ar - tr;
        im[b] = ai - ti;
      }
    }
  }
  // X[k] = E[k] + W^k·O[k], E[k] = (Z[k] + conj Z[half−k]) / 2, O[k] = (Z[k] − conj Z[half−k]) / 2i, Z[half] = Z[0].
  for (let k = 0; k <= half; k++) {
    const zr = re[k % half]!;
    const zi = im[k % half]!;
    const cr = re[(half - k) % half]!;
    const ci = -im[(half - k) % half]!;
    const er = (zr + cr) / 2;
    const ei = (zi + ci) / 2;
    // (a + bi) / 2i = (b − ai) / 2
    const or = (zi - ci) / 2;
    const oi = -(zr - cr) / 2;
    const wr = cosN[k]!;
    const wi = sinN[k]!;
    const xr = er + wr * or - wi * oi;
    const xi = ei + wr * oi + wi * or;
    out[k] = xr * xr + xi * xi;
  }
}

/** Power spectrum |X[k]|², k = 0..n/2, of a real sequence whose length n is a power of two ≥ 2 (exported for tests). */
export function realFftPower(x: ArrayLike<number>): Float64Array {
  const plan = makeRealFftPlan(x.length);
  const out = new Float64Array(plan.half + 1);
  realFftPowerInto(plan, Float64Array.from(x), out);
  return out;
}
