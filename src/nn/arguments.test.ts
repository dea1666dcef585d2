/** Bad hyperparameters and layer sizes are refused with an error naming the option, before libtorch sees them. */
import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor/index.js';
import { Adam } from './adam.js';
import { Conv1d, Conv2d } from './conv.js';
import { GRU, GRUCell } from './gru.js';
import { Linear } from './linear.js';

describe('Adam hyperparameters', () => {
  const p = tensor([1, 2], [2]).requireGrad();

  it('refuses an lr that does not fit in float32, naming lr (not a libtorch overflow on the first step)', () => {
    expect(() => new Adam([p], { lr: 1e39 })).toThrow(/Adam: lr must be a number in \[0, 3\.4\d*e\+38\], got 1e\+39/);
    expect(() => new Adam([p], { lr: NaN })).toThrow(/Adam: lr must be .*got NaN/);
    expect(() => new Adam([p], { lr: Infinity })).toThrow(/Adam: lr/);
  });

  it('refuses out-of-range betas, eps and weightDecay, naming each', () => {
    expect(() => new Adam([p], { betas: [0.9, 1] })).toThrow(/Adam: betas\[1\] \(beta2\) must be a number in \[0, 1\)/);
    expect(() => new Adam([p], { betas: [-0.1, 0.9] })).toThrow(/Adam: betas\[0\]/);
    expect(() => new Adam([p], { betas: [0.9] as unknown as [number, number] })).toThrow(/Adam: betas must be a pair/);
    expect(() => new Adam([p], { eps: -1e-8 })).toThrow(/Adam: eps must be/);
    expect(() => new Adam([p], { eps: 1e40 })).toThrow(/Adam: eps must be/);
    expect(() => new Adam([p], { weightDecay: Infinity })).toThrow(/Adam: weightDecay must be/);
  });

  it('refuses a bad lr set later (schedules) and bad hyperparameters in a loaded state', () => {
    const opt = new Adam([p], { lr: 1e-3 });
    expect(() => {
      opt.lr = 1e39;
    }).toThrow(/Adam\.lr: lr must be/);
    expect(opt.lr).toBe(1e-3);
    const hyper = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: NaN, weightDecay: 0 };
    expect(() => opt.loadStateDict({ step: 0, expAvg: [], expAvgSq: [], hyper })).toThrow(
      /Adam\.loadStateDict: eps must be/,
    );
    opt.dispose();
  });
});

describe('layer sizes', () => {
  it('Linear refuses sizes that are not positive integers', () => {
    expect(() => new Linear(0, 3)).toThrow(/Linear: inFeatures must be a positive integer, got 0/);
    expect(() => new Linear(3, 2.5)).toThrow(/Linear: outFeatures must be a positive integer, got 2\.5/);
  });

  it('Conv1d and Conv2d refuse bad channels, kernels, strides, paddings and dilations', () => {
    expect(() => new Conv1d(0, 4, 3)).toThrow(/Conv1d: inChannels must be a positive integer, got 0/);
    expect(() => new Conv1d(1, 4, 0)).toThrow(/Conv1d: kernelSize must be a positive integer, got 0/);
    expect(() => new Conv1d(1, 4, 3, { stride: 0 })).toThrow(/Conv1d: stride must be a positive integer, got 0/);
    expect(() => new Conv1d(1, 4, 3, { padding: -1 })).toThrow(/Conv1d: padding must be a non-negative integer/);
    expect(() => new Conv2d(1, 4, [3, 0])).toThrow(/Conv2d: kernelSize\[1\] must be a positive integer, got 0/);
    expect(() => new Conv2d(1, 4, 3, { dilation: 0 })).toThrow(/Conv2d: dilation\[0\] must be a positive integer/);
    expect(() => new Conv2d(1, 4.5, 3)).toThrow(/Conv2d: outChannels/);
  });

  it('GRU and GRUCell refuse bad sizes, layer counts and dropout', () => {
    expect(() => new GRU(0, 4)).toThrow(/GRU: inputSize must be a positive integer, got 0/);
    expect(() => new GRU(2, -4)).toThrow(/GRU: hiddenSize must be a positive integer, got -4/);
    expect(() => new GRU(2, 4, { numLayers: 0 })).toThrow(/GRU: numLayers must be a positive integer, got 0/);
    expect(() => new GRU(2, 4, { dropout: 1.5 })).toThrow(/GRU: dropout must be a number in \[0, 1\], got 1\.5/);
    expect(() => new GRUCell(2, 0)).toThrow(/GRUCell: hiddenSize must be a positive integer, got 0/);
  });
});
