import { afterAll, describe, expect, it } from 'vitest';
import {
  conv1d,
  conv2d,
  groupNorm,
  gru,
  gruCell,
  linear,
  manualSeed,
  randn,
  squeeze,
  sub,
  tidy,
  zeros,
  unsqueeze,
  type Tensor,
} from '../tensor/index.js';
import { Conv1d, Conv2d } from './conv.js';
import { GroupNorm } from './group-norm.js';
import { GRU, GRUCell } from './gru.js';
import { biasBound, fans, kaimingUniformBound } from './init.js';
import { Linear } from './linear.js';
import type { Module } from './module.js';
import { ReLU, Sequential } from './sequential.js';

const shapes = (m: Module): [string, number[]][] => m.namedParameters().map(([n, t]) => [n, [...t.shape]]);
const same = (a: Tensor, b: Tensor): boolean => Buffer.from(a.data().buffer).equals(Buffer.from(b.data().buffer));

manualSeed(0);
const owned: Module[] = [];
function make<M extends Module>(m: M): M {
  owned.push(m);
  return m;
}
afterAll(() => owned.forEach((m) => m.dispose()));

describe('parameter names, shapes and counts equal PyTorch', () => {
  // Expected values written out from torch.nn (named_parameters / numel).
  it('Linear(3, 4)', () => {
    const m = make(new Linear(3, 4));
    expect(shapes(m)).toEqual([
      ['weight', [4, 3]],
      ['bias', [4]],
    ]);
    expect(m.numParameters()).toBe(16);
    expect(shapes(make(new Linear(3, 4, { bias: false })))).toEqual([['weight', [4, 3]]]);
  });

  it('Conv1d(2, 4, 3)', () => {
    const m = make(new Conv1d(2, 4, 3));
    expect(shapes(m)).toEqual([
      ['weight', [4, 2, 3]],
      ['bias', [4]],
    ]);
    expect(m.numParameters()).toBe(28);
  });

  it('Conv2d(2, 4, 3, groups=2)', () => {
    const m = make(new Conv2d(2, 4, 3, { groups: 2 }));
    expect(shapes(m)).toEqual([
      ['weight', [4, 1, 3, 3]],
      ['bias', [4]],
    ]);
    expect(m.numParameters()).toBe(40);
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/divisible by groups/);
  });

  it('GroupNorm(2, 6): weight 1 and bias 0 at init, forward = groupNorm', () => {
    const m = make(new GroupNorm(2, 6));
    expect(shapes(m)).toEqual([
      ['weight', [6]],
      ['bias', [6]],
    ]);
    expect(m.weight.toArray()).toEqual([1, 1, 1, 1, 1, 1]);
    expect(m.bias.toArray()).toEqual([0, 0, 0, 0, 0, 0]);
    tidy(() => {
      const x = randn([2, 6, 3]);
      const want = groupNorm(x, 2).toArray();
      m.forward(x)
        .toArray()
        .forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    });
    expect(() => new GroupNorm(4, 6)).toThrow(/GroupNorm: groups \(4\) must divide channels \(6\)/);
  });

  it('GRU(3, 4, num_layers=2) and GRUCell(3, 4)', () => {
    const m = make(new GRU(3, 4, { numLayers: 2 }));
    expect(shapes(m)).toEqual([
      ['weight_ih_l0', [12, 3]],
      ['weight_hh_l0', [12, 4]],
      ['bias_ih_l0', [12]],
      ['bias_hh_l0', [12]],
      ['weight_ih_l1', [12, 4]],
      ['weight_hh_l1', [12, 4]],
      ['bias_ih_l1', [12]],
      ['bias_hh_l1', [12]],
    ]);
    expect(m.numParameters()).toBe(228);
    const c = make(new GRUCell(3, 4));
    expect(shapes(c)).toEqual([
      ['weight_ih', [12, 3]],
      ['weight_hh', [12, 4]],
      ['bias_ih', [12]],
      ['bias_hh', [12]],
    ]);
    expect(c.numParameters()).toBe(108);
  });

  it('Sequential(Linear(2, 3), ReLU(), Linear(3, 1))', () => {
    const m = make(new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1)));
    expect(shapes(m)).toEqual([
      ['0.weight', [3, 2]],
      ['0.bias', [3]],
      ['2.weight', [1, 3]],
      ['2.bias', [1]],
    ]);
    expect(m.numParameters()).toBe(13);
  });
});

describe('default initialisation', () => {
  /** Every value within ±bound, and std ≈ bound/√3 (the std of U(−b, b)) to within 5%. */
  function checkUniform(t: Tensor, bound: number): void {
    const v = t.toArray();
    const maxAbs = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(maxAbs).toBeLessThanOrEqual(bound);
    expect(maxAbs).toBeGreaterThan(0.95 * bound);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / v.length);
    expect(Math.abs(std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.05);
    expect(Math.abs(mean)).toBeLessThan(0.05 * bound);
  }

  it('fans as PyTorch computes them', () => {
    expect(fans([4, 3])).toEqual([3, 4]);
    expect(fans([4, 1, 3, 3])).toEqual([9, 36]);
    expect(fans([128, 64, 5])).toEqual([320, 640]);
    // kaiming_uniform(a=√5): gain = √(2/6), bound = gain·√(3/fan_in) = 1/√fan_in.
    expect(kaimingUniformBound(320)).toBeCloseTo(1 / Math.sqrt(320), 12);
    expect(kaimingUniformBound(100, 0)).toBeCloseTo(Math.sqrt(6 / 100), 12);
  });

  it('Linear(1000, 500): weight and bias ~ U(±1/√1000)', () => {
    const m = make(new Linear(1000, 500));
    checkUniform(m.weight, 1 / Math.sqrt(1000));
    const b = m.bias!.toArray();
    expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(biasBound(1000));
  });

  it('Conv1d(64, 128, 5): U(±1/√320); Conv2d(8, 64, 3, groups=2): U(±1/√36)', () => {
    const c1 = make(new Conv1d(64, 128, 5));
    checkUniform(c1.weight, 1 / Math.sqrt(320));
    const c2 = make(new Conv2d(8, 64, 3, { groups: 2 }));
    checkUniform(c2.weight, 1 / Math.sqrt(36));
    expect(Math.max(...c2.bias!.toArray().map(Math.abs))).toBeLessThanOrEqual(1 / 6);
  });

  it('GRU(64, 256): every parameter ~ U(±1/√256)', () => {
    const g = make(new GRU(64, 256));
    for (const [, t] of g.namedParameters()) {
      const bound = 1 / 16;
      if (t.size > 10000) checkUniform(t, bound);
      else expect(Math.max(...t.toArray().map(Math.abs))).toBeLessThanOrEqual(bound);
    }
  });

  it('parameters are leaves that require grad and survive tidy', () => {
    const m = tidy(() => new Linear(2, 2));
    owned.push(m);
    expect(m.weight.isDisposed).toBe(false);
    expect(m.weight.requiresGrad).toBe(true);
  });
});

describe('forward equals the functional op with the same parameters', () => {
  it('Linear', () => {
    const m = make(new Linear(5, 3));
    tidy(() => {
      const x = randn([4, 2, 5]);
      const y = m.forward(x);
      expect(y.shape).toEqual([4, 2, 3]);
      expect(same(y, linear(x, m.weight, m.bias))).toBe(true);
    });
  });

  it('Conv1d with stride, padding, dilation, groups', () => {
    const m = make(new Conv1d(4, 6, 3, { stride: 2, padding: 1, dilation: 2, groups: 2 }));
    tidy(() => {
      const x = randn([2, 4, 17]); // [B, C, T]
      const y = m.forward(x);
      expect(y.shape).toEqual([2, 6, Math.floor((17 + 2 - 2 * 2 - 1) / 2) + 1]);
      const ref = conv1d(x, m.weight, m.bias, { stride: 2, padding: 1, dilation: 2, groups: 2 });
      expect(same(y, ref)).toBe(true);
    });
  });

  it('Conv2d with rectangular kernel and no bias', () => {
    const m = make(new Conv2d(3, 5, [3, 2], { stride: [1, 2], padding: [1, 0], bias: false }));
    expect(m.bias).toBeNull();
    tidy(() => {
      const x = randn([2, 3, 8, 9]); // [B, C, H, W]
      const y = m.forward(x);
      expect(y.shape).toEqual([2, 5, 8, 4]);
      expect(same(y, conv2d(x, m.weight, null, { stride: [1, 2], padding: [1, 0] }))).toBe(true);
    });
  });

  it('GRU (batchFirst, 2 layers, default and given h0) and GRUCell', () => {
    const m = make(new GRU(3, 4, { numLayers: 2, batchFirst: true }));
    tidy(() => {
      const x = randn([2, 5, 3]); // [B, T, in]
      const [out, hN] = m.forward(x);
      expect(out.shape).toEqual([2, 5, 4]);
      expect(hN.shape).toEqual([2, 2, 4]);
      const [refOut, refH] = gru(x, zeros([2, 2, 4]), m.layers, { batchFirst: true });
      expect(same(out, refOut)).toBe(true);
      expect(same(hN, refH)).toBe(true);
      const h0 = randn([2, 2, 4]);
      const [out2] = m.forward(x, h0);
      expect(same(out2, gru(x, h0, m.layers, { batchFirst: true })[0])).toBe(true);
    });
    const single = make(new GRU(3, 4));
    const cell = make(new GRUCell(3, 4));
    // GRU layer 0 and GRUCell share the gate layout: copy weight_ih_l0 → weight_ih etc.
    cell.loadStateDict(new Map([...single.stateDict()].map(([k, t]): [string, Tensor] => [k.replace(/_l0$/, ''), t])));
    tidy(() => {
      const x = randn([2, 3]); // [B, in]
      const h = randn([2, 4]); // [B, H]
      const hc = cell.forward(x, h);
      expect(same(hc, gruCell(x, h, cell.weights))).toBe(true);
      const [out, hN] = single.forward(unsqueeze(x, 0), unsqueeze(h, 0)); // T = 1
      const diff = Math.max(...sub(squeeze(out, 0), hc).toArray().map(Math.abs));
      expect(diff).toBeLessThan(1e-6);
      expect(Math.max(...sub(squeeze(hN, 0), hc).toArray().map(Math.abs))).toBeLessThan(1e-6);
      expect(cell.forward(x).shape).toEqual([2, 4]);
    });
  });
});
