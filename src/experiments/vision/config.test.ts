import { describe, expect, it } from 'vitest';
import { resolveVisionConfig } from './config.js';

describe('vision config: the encoder and head options of the small presets', () => {
  it('model.normGroups and train.supervised.cells default to the paper (no normalisation, the grid average)', () => {
    const config = resolveVisionConfig('small');
    expect(config.model.normGroups).toBe(0);
    expect(config.train.supervised).toEqual({ cells: 1 });
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
