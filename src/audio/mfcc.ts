/**
 * MFCC features: the hand-crafted baseline of the paper's Table 3 (13 cepstral coefficients + Δ + ΔΔ per 10 ms frame,
 * 39 features, fed to the same linear probes as the learned representations).
 *
 * Pipeline (defaults in {@link DEFAULT_MFCC_ARGS}; HTK/Kaldi-style choices):
 *   1. pre-emphasis over the whole signal: y[0] = x[0], y[n] = x[n] − 0.97·x[n−1];
 *   2. framing: frame i covers samples [hop·i, hop·i + windowLength) = [160i, 160i + 400) at 16 kHz; samples past the
 *      end are zeros, and there are floor(length / hop) frames, so frame i lines up with the i-th 10 ms phone label
 *      (label i covers [160i, 160i + 160); the analysis window reaches 15 ms further, to the right);
 *   3. symmetric Hamming window (0.54 − 0.46·cos(2πn/(N−1)), as HTK/Kaldi/numpy), zero-padded to nFft = 512;
 *   4. power spectrum |X[k]|² for k = 0..nFft/2 (no 1/nFft scaling), by a radix-2 real FFT;
 *   5. 40 triangular mel filters of peak 1, edges equally spaced on the HTK mel scale 2595·log10(1 + f/700) over
 *      [fMin, fMax] = [0, 8000] Hz, each evaluated at the exact bin frequencies k·sampleRate/nFft (no bin rounding);
 *   6. natural log of each filter energy, floored at 1e-10 (log(1e-10) ≈ −23.03 for digital silence);
 *   7. orthonormal DCT-II of the log-mel vector, keeping coefficients 0..12 (c0 kept, no liftering);
 *   8. Δ and ΔΔ by the standard regression d_t = Σ_{n=1..N} n·(c_{t+n} − c_{t−n}) / (2·Σ n²), N = 2, with the first and
 *      last frames replicated beyond the edges; ΔΔ is the same regression applied to Δ.
 * Each output row is [c_0..c_12, Δc_0..Δc_12, ΔΔc_0..ΔΔc_12]. Arithmetic is float64; results are stored as float32.
 * No mean/variance normalisation is applied (do it on the probe's side if wanted).
 * Checked against an independent numpy implementation (scripts/make-mfcc-fixture.py → src/audio/fixtures/mfcc.json);
 * why not a JS library: results/notes/mfcc.md.
 */
import { isPowerOfTwo, makeRealFftPlan, realFftPowerInto } from './fft.js';

export { realFftPower } from './fft.js';

/** Options of {@link mfcc} and {@link logMelSpectrogram}; every field is optional (see {@link DEFAULT_MFCC_ARGS}). */
export interface MfccArgs {
  /** Sample rate in Hz (16000). */
  sampleRate?: number;
  /** Pre-emphasis coefficient in [0, 1) (0.97); 0 disables it. */
  preEmphasis?: number;
  /** Analysis window length in samples (400 = 25 ms). */
  windowLength?: number;
  /** Frame hop in samples (160 = 10 ms); the frame count is floor(length / hopLength). */
  hopLength?: number;
  /** FFT size, a power of two ≥ windowLength (512). */
  nFft?: number;
  /** Number of mel filters (40). */
  nMels?: number;
  /** Lowest filter edge in Hz (0). */
  fMin?: number;
  /** Highest filter edge in Hz (sampleRate / 2 when omitted or null). */
  fMax?: number | null;
  /** Floor applied to filter energies before the log (1e-10). */
  logFloor?: number;
  /** Cepstral coefficients kept after the DCT, c0 included (13). */
  nCoefficients?: number;
  /** 0: cepstra only, 1: + Δ, 2: + Δ + ΔΔ (2). */
  deltaOrder?: 0 | 1 | 2;
  /** N of the delta regression, in frames on each side (2). */
  deltaWidth?: number;
}

/** {@link MfccArgs} with every field filled in. */
export type ResolvedMfccArgs = Required<Omit<MfccArgs, 'fMax'>> & { fMax: number };

/** The paper's baseline settings at 16 kHz. */
export const DEFAULT_MFCC_ARGS: Readonly<Required<MfccArgs>> = Object.freeze({
  sampleRate: 16000,
  preEmphasis: 0.97,
  windowLength: 400,
  hopLength: 160,
  nFft: 512,
  nMels: 40,
  fMin: 0,
  fMax: null,
  logFloor: 1e-10,
  nCoefficients: 13,
  deltaOrder: 2,
  deltaWidth: 2,
});

/** Output of {@link mfcc}: `features` is [frames, dim] row-major, dim = nCoefficients · (1 + deltaOrder). */
export interface MfccResult {
  features: Float32Array;
  frames: number;
  dim: number;
}

/** Output of {@link logMelSpectrogram}: `logMel` is [frames, nMels] row-major (natural log of the filter energies). */
export interface LogMelResult {
  logMel: Float32Array;
  frames: number;
  nMels: number;
}

function positiveInteger(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`mfcc: ${name} must be a positive integer, got ${v}`);
}

/** Fills in defaults and checks every option; throws RangeError on a bad one. */
export function resolveMfccArgs(args: MfccArgs = {}): ResolvedMfccArgs {
  const a = { ...DEFAULT_MFCC_ARGS, ...stripUndefined(args) };
  const fMax = a.fMax ?? a.sampleRate / 2;
  if (!Number.isFinite(a.sampleRate) || a.sampleRate <= 0) {
    throw new RangeError(`mfcc: sampleRate must be positive, got ${a.sampleRate}`);
  }
  if (!(a.preEmphasis >= 0 && a.preEmphasis < 1)) {
    throw new RangeError(`mfcc: preEmphasis must be in [0, 1), got ${a.preEmphasis}`);
  }
  positiveInteger('windowLength', a.windowLength);
  positiveInteger('hopLength', a.hopLength);
  positiveInteger('nMels', a.nMels);
  positiveInteger('nCoefficients', a.nCoefficients);
  positiveInteger('deltaWidth', a.deltaWidth);
  if (!isPowerOfTwo(a.nFft) || a.nFft < 2 || a.nFft < a.windowLength) {
    throw new RangeError(`mfcc: nFft must be a power of two ≥ windowLength (${a.windowLength}), got ${a.nFft}`);
  }
  if (!(a.fMin >= 0 && fMax > a.fMin && fMax <= a.sampleRate / 2)) {
    throw new RangeError(`mfcc: need 0 ≤ fMin < fMax ≤ sampleRate/2, got fMin=${a.fMin}, fMax=${fMax}`);
  }
  if (!(a.logFloor > 0 && Number.isFinite(a.logFloor))) {
    throw new RangeError(`mfcc: logFloor must be positive, got ${a.logFloor}`);
  }
  if (a.nCoefficients > a.nMels) {
    throw new RangeError(`mfcc: nCoefficients (${a.nCoefficients}) must be ≤ nMels (${a.nMels})`);
  }
  if (a.deltaOrder !== 0 && a.deltaOrder !== 1 && a.deltaOrder !== 2) {
    throw new RangeError(`mfcc: deltaOrder must be 0, 1 or 2, got ${String(a.deltaOrder)}`);
  }
  return { ...a, fMax };
}

function stripUndefined(args: MfccArgs): MfccArgs {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as MfccArgs;
}

/** HTK mel scale: 2595·log10(1 + f/700). */
export function hzToMel(f: number): number {
  return 2595 * Math.log10(1 + f / 700);
}

/** Inverse of {@link hzToMel}. */
export function melToHz(m: number): number {
  return 700 * (10 ** (m / 2595) - 1);
}

/** Number of frames for `length` samples: floor(length / hopLength). */
export function mfccFrameCount(length: number, hopLength = DEFAULT_MFCC_ARGS.hopLength): number {
  return Math.floor(length / hopLength);
}

/**
 * Triangular mel filterbank, [nMels, nFft/2 + 1] row-major: filter m rises linearly from edge m to a peak of 1 at edge
 * m+1 and falls to 0 at edge m+2, the nMels + 2 edges being equally spaced in mel over [fMin, fMax].
 */
export function melFilterbank(args: MfccArgs = {}): Float64Array {
  const { sampleRate, nFft, nMels, fMin, fMax } = resolveMfccArgs(args);
  const nBins = nFft / 2 + 1;
  const melLo = hzToMel(fMin);
  const melHi = hzToMel(fMax);
  const edges = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) edges[i] = melToHz(melLo + ((melHi - melLo) * i) / (nMels + 1));
  const fb = new Float64Array(nMels * nBins);
  for (let m = 0; m < nMels; m++) {
    const lo = edges[m]!;
    const mid = edges[m + 1]!;
    const hi = edges[m + 2]!;
    for (let k = 0; k < nBins; k++) {
      const f = (k * sampleRate) / nFft;
      const w = Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid));
      if (w > 0) fb[m * nBins + k] = w;
    }
  }
  return fb;
}

function checkSamples(samples: Float32Array, hopLength: number): void {
  if (!(samples instanceof Float32Array)) throw new TypeError('mfcc: samples must be a Float32Array');
  if (samples.length === 0) throw new RangeError('mfcc: empty input (0 samples)');
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i]!)) {
      throw new RangeError(`mfcc: input has a non-finite sample (${samples[i]}) at index ${i}`);
    }
  }
  if (samples.length < hopLength) {
    throw new RangeError(`mfcc: input of ${samples.length} samples is shorter than one hop (${hopLength}): no frames`);
  }
}

/** Log-mel energies (steps 1–6 of the pipeline), in float64: [frames, nMels]. */
function logMelFloat64(samples: Float32Array, args: ResolvedMfccArgs): { logMel: Float64Array; frames: number } {
  checkSamples(samples, args.hopLength);
  const { preEmphasis, windowLength, hopLength, nFft, nMels, logFloor } = args;
  const len = samples.length;
  const frames = mfccFrameCount(len, hopLength);
  const nBins = nFft / 2 + 1;
  const window = new Float64Array(windowLength);
  for (let n = 0; n < windowLength; n++) {
    window[n] = windowLength === 1 ? 1 : 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (windowLength - 1));
  }
  const fb = melFilterbank(args);
  // Non-zero range of each filter, to skip zeros in the filterbank product.
  const fbLo = new Int32Array(nMels);
  const fbHi = new Int32Array(nMels);
  for (let m = 0; m < nMels; m++) {
    let lo = nBins;
    let hi = 0;
    for (let k = 0; k < nBins; k++) {
      if (fb[m * nBins + k]! > 0) {
        lo = Math.min(lo, k);
        hi = k + 1;
      }
    }
    fbLo[m] = lo;
    fbHi[m] = hi;
  }
  const plan = makeRealFftPlan(nFft);
  const frame = new Float64Array(nFft);
  const power = new Float64Array(nBins);
  const logMel = new Float64Array(frames * nMels);
  const emphasized = (i: number): number => {
    if (i >= len) return 0;
    const x = samples[i]!;
    return i === 0 ? x : x - preEmphasis * samples[i - 1]!;
  };
  for (let t = 0; t < frames; t++) {
    const start = t * hopLength;
    for (let n = 0; n < windowLength; n++) frame[n] = emphasized(start + n) * window[n]!;
    // frame[windowLength..nFft) stays 0 (zero padding).
    realFftPowerInto(plan, frame, power);
    for (let m = 0; m < nMels; m++) {
      let e = 0;
      for (let k = fbLo[m]!; k < fbHi[m]!; k++) e += fb[m * nBins + k]! * power[k]!;
      logMel[t * nMels + m] = Math.log(Math.max(e, logFloor));
    }
  }
  return { logMel, frames };
}

/**
 * Log-mel spectrogram: the pipeline of {@link mfcc} up to the log (before the DCT). Throws on empty input, non-finite
 * samples, or input shorter than one hop.
 */
export function logMelSpectrogram(samples: Float32Array, args: MfccArgs = {}): LogMelResult {
  const a = resolveMfccArgs(args);
  const { logMel, frames } = logMelFloat64(samples, a);
  return { logMel: Float32Array.from(logMel), frames, nMels: a.nMels };
}

/**
 * Regression deltas of a [frames, dim] row-major sequence: d_t = Σ_{n=1..width} n·(x_{t+n} − x_{t−n}) / (2·Σ n²),
 * frames beyond either edge replaced by the edge frame. Returns a new [frames, dim] array.
 */
export function computeDeltas(x: ArrayLike<number>, frames: number, dim: number, width = 2): Float64Array {
  positiveInteger('deltaWidth', width);
  if (x.length !== frames * dim) throw new RangeError(`computeDeltas: ${x.length} values ≠ ${frames}×${dim}`);
  let denom = 0;
  for (let n = 1; n <= width; n++) denom += n * n;
  denom *= 2;
  const out = new Float64Array(frames * dim);
  const clampT = (t: number): number => Math.min(frames - 1, Math.max(0, t));
  for (let t = 0; t < frames; t++) {
    for (let d = 0; d < dim; d++) {
      let s = 0;
      for (let n = 1; n <= width; n++) s += n * (x[clampT(t + n) * dim + d]! - x[clampT(t - n) * dim + d]!);
      out[t * dim + d] = s / denom;
    }
  }
  return out;
}

/** Orthonormal DCT-II basis, [nOut, nIn] row-major: s_k·cos(πk(2n+1)/(2·nIn)), s_0 = √(1/nIn), s_k = √(2/nIn). */
function dctMatrix(nIn: number, nOut: number): Float64Array {
  const d = new Float64Array(nOut * nIn);
  for (let k = 0; k < nOut; k++) {
    const s = Math.sqrt((k === 0 ? 1 : 2) / nIn);
    for (let n = 0; n < nIn; n++) d[k * nIn + n] = s * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * nIn));
  }
  return d;
}

/**
 * MFCCs (+ Δ + ΔΔ by default) of a mono signal: `features` is [frames, nCoefficients·(1 + deltaOrder)] row-major,
 * 39 columns with the defaults, frames = floor(samples.length / hopLength). See the module comment for the pipeline.
 * Throws RangeError on empty input, non-finite samples, input shorter than one hop, or bad options.
 */
export function mfcc(samples: Float32Array, args: MfccArgs = {}): MfccResult {
  const a = resolveMfccArgs(args);
  const { logMel, frames } = logMelFloat64(samples, a);
  const { nMels, nCoefficients: nc, deltaOrder, deltaWidth } = a;
  const dct = dctMatrix(nMels, nc);
  const ceps = new Float64Array(frames * nc);
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < nc; k++) {
      let s = 0;
      for (let n = 0; n < nMels; n++) s += dct[k * nMels + n]! * logMel[t * nMels + n]!;
      ceps[t * nc + k] = s;
    }
  }
  const blocks: Float64Array[] = [ceps];
  for (let o = 0; o < deltaOrder; o++) blocks.push(computeDeltas(blocks[o]!, frames, nc, deltaWidth));
  const dim = nc * blocks.length;
  const features = new Float32Array(frames * dim);
  for (let t = 0; t < frames; t++) {
    blocks.forEach((b, j) => {
      for (let k = 0; k < nc; k++) features[t * dim + j * nc + k] = b[t * nc + k]!;
    });
  }
  return { features, frames, dim };
}
