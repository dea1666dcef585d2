import { describe, expect, it } from 'vitest';
import { applySet, deepMerge, parseSet } from './overrides.js';

describe('config layering', () => {
  const base = {
    train: { steps: 10, lr: 0.1, mode: 'simultaneous' },
    model: { kernels: [1, 2], window: 128 as number | null },
  };

  it('parses JSON values and falls back to strings', () => {
    expect(parseSet('train.steps=20')).toEqual({ path: ['train', 'steps'], value: 20 });
    expect(parseSet('train.mode=iterative').value).toBe('iterative');
    expect(parseSet('model.window=null').value).toBeNull();
    expect(parseSet('model.kernels=[3,4]').value).toEqual([3, 4]);
  });

  it('sets a dotted key without touching the input', () => {
    const out = applySet(base, 'train.lr=0.5');
    expect(out.train.lr).toBe(0.5);
    expect(base.train.lr).toBe(0.1);
  });

  it('rejects unknown keys and malformed flags', () => {
    expect(() => applySet(base, 'train.stepz=3')).toThrow(/unknown key 'train.stepz'/);
    expect(() => applySet(base, 'train.steps.x=3')).toThrow(/not a config section/);
    expect(() => applySet(base, 'steps')).toThrow(/key=value/);
  });

  it('merges presets over defaults, replacing arrays whole', () => {
    expect(deepMerge(base, { train: { steps: 99 }, model: { kernels: [7] } })).toEqual({
      train: { steps: 99, lr: 0.1, mode: 'simultaneous' },
      model: { kernels: [7], window: 128 },
    });
  });
});

describe('mergePatches', () => {
  it('applies patches in order, merging nested sections', async () => {
    const { mergePatches } = await import('./overrides.js');
    type C = { data: { root: string; n: number }; train: { steps: number }; name: string };
    const merged = mergePatches<C>(
      { data: { root: 'a' } },
      { data: { n: 2 }, train: { steps: 3 } },
      { name: 'x', data: { root: 'b' } },
    );
    expect(merged).toEqual({ data: { root: 'b', n: 2 }, train: { steps: 3 }, name: 'x' });
  });
});
