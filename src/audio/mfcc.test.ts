import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  computeDeltas,
  DEFAULT_MFCC_ARGS,
  hzToMel,
  logMelSpectrogram,
  melFilterbank,
  melToHz,
  mfcc,
  mfccFrameCount,
  realFftPower,
  resolveMfccArgs,
  type MfccArgs,
} from './mfcc.js';

/** Written by scripts/make-mfcc-fixture.py (an independent numpy implementation). */
const fixture = JSON.parse(readFileSync(new URL('./fixtures/mfcc.json', import.meta.url), 'utf8')) as {
  args: MfccArgs;
  pcm16: number[];
  frames: number;
  dim: number;
  features: number[];
  logMelFrame10: number[];
};

function tone(freq: number, seconds: number, sampleRate = 16000, amplitude = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * sampleRate) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / sampleRate),
  );
}

/** max |a − e| / max(|e|, 1): relative error for values of magnitude ≥ 1, absolute below. */
function maxScaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    worst = Math.max(worst, Math.abs(actual[i]! - e) / Math.max(Math.abs(e), 1));
  }
  return worst;
}

describe('mfcc vs the numpy reference fixture', () => {
  const samples = Float32Array.from(fixture.pcm16, (v) => v / 32768);

  it('matches the reference features to 1e-3 relative', () => {
    const { features, frames, dim } = mfcc(samples, fixture.args);
    expect(frames).toBe(fixture.frames);
    expect(dim).toBe(39);
    expect(features.length).toBe(fixture.features.length);
    expect(maxScaledError(features, fixture.features)).toBeLessThan(1e-3);
  });

  it('uses the fixture settings by default, and matches one log-mel frame', () => {
    expect(resolveMfccArgs()).toEqual(resolveMfccArgs(fixture.args));
    const defaults = mfcc(samples);
    expect(Array.from(defaults.features)).toEqual(Array.from(mfcc(samples, fixture.args).features));
    const { logMel, nMels } = logMelSpectrogram(samples);
    expect(maxScaledError(logMel.subarray(10 * nMels, 11 * nMels), fixture.logMelFrame10)).toBeLessThan(1e-4);
  });
});

describe('mfcc framing and shape', () => {
  it('gives floor(length / 160) frames of 39 features', () => {
    for (const len of [160, 399, 400, 401, 1000, 1599, 1600, 4800, 16001]) {
      const x = Float32Array.from({ length: len }, (_, i) => Math.sin(i * 0.1));
      const { features, frames, dim } = mfcc(x);
      expect(frames).toBe(Math.floor(len / 160));
      expect(frames).toBe(mfccFrameCount(len));
      expect(dim).toBe(39);
      expect(features.length).toBe(frames * 39);
      expect(features.every(Number.isFinite)).toBe(true);
    }
  });

  it('frame i depends only on samples [160i, 160i + 400) (plus one sample before, for pre-emphasis)', () => {
    const x = Float32Array.from({ length: 3200 }, (_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 1.3));
    const a = logMelSpectrogram(x);
    const y = x.slice();
    y[1000] = 5; // inside frames 4..6 (start ≤ 1000 < start + 400) and, through pre-emphasis, 1001 too
    const b = logMelSpectrogram(y);
    for (let t = 0; t < a.frames; t++) {
      const row = (r: Float32Array): number[] => Array.from(r.subarray(t * 40, (t + 1) * 40));
      const touched = t * 160 <= 1001 && 1000 < t * 160 + 400;
      if (touched) expect(row(b.logMel)).not.toEqual(row(a.logMel));
      else expect(row(b.logMel)).toEqual(row(a.logMel));
    }
  });

  it('supports deltaOrder 0 and 1 and other coefficient counts', () => {
    const x = tone(440, 0.1);
    const full = mfcc(x);
    const c0 = mfcc(x, { deltaOrder: 0 });
    const c1 = mfcc(x, { deltaOrder: 1, nCoefficients: 13 });
    expect(c0.dim).toBe(13);
    expect(c1.dim).toBe(26);
    for (let t = 0; t < full.frames; t++) {
      expect(Array.from(c0.features.subarray(t * 13, t * 13 + 13))).toEqual(
        Array.from(full.features.subarray(t * 39, t * 39 + 13)),
      );
      expect(Array.from(c1.features.subarray(t * 26, t * 26 + 26))).toEqual(
        Array.from(full.features.subarray(t * 39, t * 39 + 26)),
      );
    }
    expect(mfcc(x, { nCoefficients: 20 }).dim).toBe(60);
  });
});

describe('log-mel spectrogram', () => {
  it('puts a pure tone in the mel band whose centre is nearest the tone', () => {
    const nMels = 40;
    const melMax = hzToMel(8000);
    for (const freq of [250, 1000, 3000, 6000]) {
      const { logMel, frames } = logMelSpectrogram(tone(freq, 0.2), { preEmphasis: 0 });
      // Band m peaks at melToHz((m + 1) · melMax / (nMels + 1)).
      const expected = Math.round((hzToMel(freq) * (nMels + 1)) / melMax) - 1;
      for (const t of [2, Math.floor(frames / 2)]) {
        const row = Array.from(logMel.subarray(t * nMels, (t + 1) * nMels));
        const argmax = row.indexOf(Math.max(...row));
        expect(argmax, `${freq} Hz, frame ${t}`).toBe(expected);
      }
    }
  });

  it('floors digital silence at log(1e-10)', () => {
    const { logMel } = logMelSpectrogram(new Float32Array(800));
    for (const v of logMel) expect(v).toBeCloseTo(Math.log(1e-10), 4);
  });

  it('builds triangular filters of peak ≤ 1 covering 0–8000 Hz', () => {
    const fb = melFilterbank();
    const nBins = 257;
    expect(fb.length).toBe(40 * nBins);
    for (let m = 0; m < 40; m++) {
      const row = fb.subarray(m * nBins, (m + 1) * nBins);
      const peak = Math.max(...row);
      expect(peak).toBeGreaterThan(0.5);
      expect(peak).toBeLessThanOrEqual(1);
      const centre = melToHz(((m + 1) * hzToMel(8000)) / 41);
      expect(Math.abs(row.indexOf(peak) * (16000 / 512) - centre)).toBeLessThanOrEqual(16000 / 512);
    }
    expect(hzToMel(melToHz(1234.5))).toBeCloseTo(1234.5, 9);
    expect(hzToMel(1000)).toBeCloseTo(1000, 0); // HTK scale: ~1000 mel at 1 kHz
  });
});

describe('real FFT', () => {
  it('matches a naive DFT power spectrum', () => {
    for (const n of [2, 4, 8, 64, 512]) {
      const x = Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + ((i * 7919) % 13) / 13 - 0.5);
      const p = realFftPower(x);
      expect(p.length).toBe(n / 2 + 1);
      for (let k = 0; k <= n / 2; k++) {
        let re = 0;
        let im = 0;
        for (let j = 0; j < n; j++) {
          re += x[j]! * Math.cos((2 * Math.PI * k * j) / n);
          im -= x[j]! * Math.sin((2 * Math.PI * k * j) / n);
        }
        expect(p[k]!).toBeCloseTo(re * re + im * im, 8);
      }
    }
  });
});

describe('deltas', () => {
  it('are zero for a constant signal', () => {
    const len = 3200;
    const { features, frames } = mfcc(new Float32Array(len).fill(0.25));
    // Frame 0 holds the pre-emphasis onset (y[0] = x[0]) and frames past lastFull see the zero padding; every frame in
    // between is bit-identical, so Δ and ΔΔ (which reach ±2·deltaWidth = ±4 frames) vanish on frames 5..lastFull−4.
    expect(frames).toBe(len / 160);
    const lastFull = Math.floor((len - 400) / 160);
    let checked = 0;
    for (let t = 5; t + 4 <= lastFull; t++, checked++) {
      const row = features.subarray(t * 39, (t + 1) * 39);
      for (let k = 13; k < 39; k++) expect(Math.abs(row[k]!)).toBeLessThan(1e-9);
      expect(Math.abs(row[0]!)).toBeGreaterThan(1); // the cepstra themselves are not trivially zero
    }
    expect(checked).toBeGreaterThan(5);
    // And exactly zero for a constant feature sequence.
    expect(Array.from(computeDeltas(new Float64Array(20).fill(3), 10, 2))).toEqual(new Array(20).fill(0));
  });

  it('follow the regression formula with replicated edges', () => {
    // A ramp x_t = t has delta 1 in the interior; at the edges the replicated frames shrink it.
    const x = Float64Array.from({ length: 6 }, (_, t) => t);
    const d = Array.from(computeDeltas(x, 6, 1, 2));
    // t=0: (1·(1−0) + 2·(2−0)) / 10 = 0.5; t=1: (1·(2−0) + 2·(3−0)) / 10 = 0.8
    expect(d[0]).toBeCloseTo(0.5, 12);
    expect(d[1]).toBeCloseTo(0.8, 12);
    expect(d[2]).toBeCloseTo(1, 12);
    expect(d[3]).toBeCloseTo(1, 12);
    expect(d[4]).toBeCloseTo(0.8, 12);
    expect(d[5]).toBeCloseTo(0.5, 12);
  });
});

describe('input checks', () => {
  it('rejects empty input', () => {
    expect(() => mfcc(new Float32Array(0))).toThrow(/empty input/);
    expect(() => logMelSpectrogram(new Float32Array(0))).toThrow(/empty input/);
  });

  it('rejects NaN and infinite samples, naming the index', () => {
    const x = new Float32Array(1600);
    x[123] = NaN;
    expect(() => mfcc(x)).toThrow(/non-finite sample \(NaN\) at index 123/);
    x[123] = 0;
    x[5] = Infinity;
    expect(() => mfcc(x)).toThrow(/non-finite sample \(Infinity\) at index 5/);
  });

  it('rejects input shorter than one hop', () => {
    expect(() => mfcc(new Float32Array(159))).toThrow(/shorter than one hop/);
  });

  it('rejects bad options', () => {
    const x = new Float32Array(1600);
    expect(() => mfcc(x, { nFft: 500 })).toThrow(/power of two/);
    expect(() => mfcc(x, { nFft: 256 })).toThrow(/power of two ≥ windowLength/);
    expect(() => mfcc(x, { nCoefficients: 41 })).toThrow(/≤ nMels/);
    expect(() => mfcc(x, { fMax: 9000 })).toThrow(/fMax/);
    expect(() => mfcc(x, { preEmphasis: 1 })).toThrow(/preEmphasis/);
    expect(() => mfcc(x, { hopLength: 0 })).toThrow(/hopLength/);
    expect(() => mfcc(x, { deltaOrder: 3 as 2 })).toThrow(/deltaOrder/);
    expect(DEFAULT_MFCC_ARGS.nMels).toBe(40);
  });
});
