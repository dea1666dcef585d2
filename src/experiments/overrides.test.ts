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

describe('--set key safety and suggestions', () => {
  const base = { train: { steps: 10, lr: 0.1 }, model: { kernels: [1, 2] } };

  it('rejects __proto__, constructor and prototype segments and leaves Object.prototype alone', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).map((k) => [k, Reflect.get(Object.prototype, k)]);
    for (const flag of ['__proto__.toString=1', '__proto__.hasOwnProperty=1', 'train.constructor=1', 'x.prototype.y=1'])
      expect(() => applySet(base, flag), flag).toThrow(/is not allowed in a config key/);
    expect(() => parseSet('__proto__.polluted=1')).toThrow(/'__proto__' is not allowed/);
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    expect(Object.getOwnPropertyNames(Object.prototype).map((k) => [k, Reflect.get(Object.prototype, k)])).toEqual(
      before,
    );
    expect({}.toString()).toBe('[object Object]');
  });

  it('treats keys inherited from Object.prototype as unknown', () => {
    expect(() => applySet(base, 'train.toString=1')).toThrow(/unknown key 'train.toString'/);
    expect(() => applySet(base, 'hasOwnProperty=1')).toThrow(/unknown key 'hasOwnProperty'/);
  });

  it('suggests the nearest key', () => {
    expect(() => applySet(base, 'train.step=3')).toThrow(/did you mean 'train.steps'\?/);
    expect(() => applySet(base, 'steps=3')).toThrow(/did you mean 'train.steps'\?/);
    expect(() => applySet(base, 'modle.kernels=[3]')).toThrow(/did you mean 'model'\?/);
    expect(() => applySet(base, 'zzzzzz=1')).not.toThrow(/did you mean/);
  });
});
