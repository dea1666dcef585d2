import { describe, expect, it } from 'vitest';
import { resolveVisionConfig } from './config.js';
import { totalSteps } from './data.js';

describe('vision config: the encoder and head options of the small presets', () => {
  it('model.normGroups and train.supervised.cells default to the paper (no normalisation, the grid average)', () => {
    const config = resolveVisionConfig('small');
    expect(config.model.normGroups).toBe(0);
    expect(config.train.supervised).toEqual({ cells: 1, epochs: null });
    expect(config.train.schedule).toBe('constant');
    expect(resolveVisionConfig('full').model.normGroups).toBe(0);
  });

  it('a normGroups that does not divide every normalised width is refused before anything runs, naming the key', () => {
    expect(resolveVisionConfig('small', { model: { normGroups: 8 } }).model.normGroups).toBe(8);
    expect(() => resolveVisionConfig('small', { model: { normGroups: 3 } })).toThrow(
      /model\.normGroups: normGroups \(3\) must divide every normalised width/,
    );
    expect(() => resolveVisionConfig('small', { model: { normGroups: -1 } })).toThrow(/model\.normGroups/);
  });

  it('train.supervised.cells must be a positive integer', () => {
    expect(resolveVisionConfig('small', { train: { supervised: { cells: 2 } } }).train.supervised.cells).toBe(2);
    expect(() => resolveVisionConfig('small', { train: { supervised: { cells: 0 } } })).toThrow(
      /train\.supervised\.cells/,
    );
  });
});

describe('vision config: the medium preset', () => {
  it('is small with GroupNorm, the 2×2-cell supervised head, a cosine rate, and longer supervised references', () => {
    const small = resolveVisionConfig('small');
    const medium = resolveVisionConfig('medium');
    expect(medium.model).toEqual({ ...small.model, normGroups: 8 });
    expect(medium.probe).toEqual(small.probe);
    expect(medium.train).toMatchObject({
      schedule: 'cosine',
      steps: null,
      epochs: 1,
      supervised: { cells: 2, epochs: 8 },
    });
  });

  it('train.supervised.epochs sets the length of the supervised objective only; train.steps still wins', () => {
    const images = 60000; // 1875 steps of 32 per epoch
    const medium = (patch: Parameters<typeof resolveVisionConfig>[1]) => resolveVisionConfig('medium', patch);
    expect(totalSteps(medium({ train: { objective: 'infonce' } }), images)).toBe(1875);
    expect(totalSteps(medium({ train: { objective: 'predsim' } }), images)).toBe(1875);
    expect(totalSteps(medium({ train: { objective: 'supervised' } }), images)).toBe(8 * 1875);
    expect(totalSteps(medium({ train: { objective: 'supervised', steps: 10 } }), images)).toBe(10);
    expect(() => medium({ train: { supervised: { epochs: 0 } } })).toThrow(/train\.supervised\.epochs/);
  });

  it("train.schedule is 'constant' or 'cosine', named when wrong", () => {
    expect(() => resolveVisionConfig('small', { train: { schedule: 'linear' as 'cosine' } })).toThrow(
      /train\.schedule/,
    );
  });
});
