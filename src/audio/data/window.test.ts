import { describe, expect, it } from 'vitest';

import { Rng } from '../../util/rng.js';
import {
  HOP,
  LIBRISPEECH_NORMALIZATION,
  minSamplesForWindow,
  normalizeAudio,
  sampleWindow,
  sampleWindowStart,
  WINDOW_LENGTH,
} from './window.js';

describe('sampleWindow', () => {
  const utterance = Float32Array.from({ length: 22400 }, (_, i) => i);

  it('uses the reference constants', () => {
    expect(WINDOW_LENGTH).toBe(20480);
    expect(HOP).toBe(160);
    expect(minSamplesForWindow()).toBe(20800);
    expect(LIBRISPEECH_NORMALIZATION).toEqual({ mean: -6.781e-4, std: 0.0630056 });
  });

  it('starts at a multiple of 160 in [160, maxLength − 20480), length 20480, a view of the audio', () => {
    const rng = new Rng(1);
    const starts = new Set<number>();
    for (let k = 0; k < 500; k++) {
      const w = sampleWindow(utterance, 20480, 160, rng);
      expect(w.start % 160).toBe(0);
      expect(w.start).toBeGreaterThanOrEqual(160);
      expect(w.start + 20480).toBeLessThan(22400);
      expect(w.samples.length).toBe(20480);
      expect(w.samples[0]).toBe(w.start);
      expect(w.samples.buffer).toBe(utterance.buffer);
      expect(w.padded).toBe(0);
      starts.add(w.start);
    }
    // np.arange(160, 22400 − 20480, 160): 160, 320, …, 1760 — all 11 reached.
    expect([...starts].sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, j) => 160 * (j + 1)));
  });

  it('is deterministic for a seed', () => {
    const draw = (seed: number): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => sampleWindow(utterance, 20480, 160, rng).start);
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
    expect(sampleWindow(utterance, 20480, 160, 9).start).toBe(sampleWindow(utterance, 20480, 160, 9).start);
  });

  it('drops the partial last hop, as the reference does', () => {
    // 22559 samples: maxLength 22400, so the same 11 starts as for 22400.
    const rng = new Rng(2);
    for (let k = 0; k < 200; k++) expect(sampleWindowStart(22559, 20480, 160, rng)).toBeLessThanOrEqual(1760);
    // The shortest length the reference accepts has exactly one start, 160.
    for (let k = 0; k < 20; k++) expect(sampleWindowStart(20800, 20480, 160, rng)).toBe(160);
  });

  it('still fits a window when the reference rule has none', () => {
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let k = 0; k < 100; k++) {
      const start = sampleWindowStart(20799, 20480, 160, rng);
      expect(start % 160).toBe(0);
      expect(start + 20480).toBeLessThanOrEqual(20799);
      seen.add(start);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 160]);
    expect(sampleWindowStart(20480, 20480, 160, rng)).toBe(0);
  });

  it('zero-pads an utterance shorter than the window', () => {
    const short = Float32Array.from({ length: 5000 }, (_, i) => (i % 7) + 1);
    const w = sampleWindow(short, 20480, 160, new Rng(4));
    expect(w.start).toBe(0);
    expect(w.padded).toBe(15480);
    expect(w.samples.length).toBe(20480);
    expect(Array.from(w.samples.subarray(0, 5000))).toEqual(Array.from(short));
    expect(w.samples.subarray(5000).every((x) => x === 0)).toBe(true);
  });

  it('rejects bad lengths', () => {
    expect(() => sampleWindow(utterance, 0, 160, 1)).toThrow(RangeError);
    expect(() => sampleWindow(utterance, 20480, 0, 1)).toThrow(RangeError);
  });
});

describe('normalizeAudio', () => {
  it('applies (x − mean) / std in place, with the reference constants by default', () => {
    const x = Float32Array.from([0, 0.1, -0.2]);
    const out = normalizeAudio(x);
    expect(out).toBe(x);
    expect(x[0]).toBeCloseTo(6.781e-4 / 0.0630056, 5);
    expect(x[1]).toBeCloseTo((0.1 + 6.781e-4) / 0.0630056, 4);
    expect(Array.from(normalizeAudio(Float32Array.from([3, 5]), { mean: 1, std: 2 }))).toEqual([1, 2]);
    expect(() => normalizeAudio(x, { mean: 0, std: 0 })).toThrow(RangeError);
  });
});
