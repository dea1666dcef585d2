/** Bad arguments to the tensor ops are refused with an error naming the op and the argument (not an empty tensor). */
import { describe, expect, it } from 'vitest';
import type { DType } from '../dtype.js';
import { conv1d, conv2d } from './conv.js';
import { tensor, to, zeros } from './creation.js';
import { adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d } from './pool.js';
import { randint, randn } from './random.js';
import { narrow, transpose, unfold, unsqueeze } from './shape.js';
import { crossEntropy, logSoftmax, softmax, type Reduction } from './softmax.js';

describe('pooling', () => {
  const x = randn([1, 1, 3]); // [B, C, T]

  it('maxPool1d refuses a kernel longer than the input instead of returning an empty tensor', () => {
    expect(() => maxPool1d(x, 5)).toThrow(
      /maxPool1d: kernel must be ≤ input length \+ 2·padding = 3 \(the output would be empty\), got 5/,
    );
    expect(maxPool1d(x, 3).shape).toEqual([1, 1, 1]);
  });

  it('every pool names its kernel, stride, padding and input', () => {
    expect(() => avgPool1d(x, 4)).toThrow(/avgPool1d: kernel must be ≤ input length/);
    expect(() => maxPool2d(randn([1, 1, 3, 8]), 4)).toThrow(
      /maxPool2d: kernel must be ≤ input height \+ 2·padding = 3/,
    );
    expect(() => avgPool2d(randn([1, 1, 8, 2]), 3)).toThrow(/avgPool2d: kernel must be ≤ input width/);
    expect(() => maxPool1d(x, 0)).toThrow(/maxPool1d: kernel must be a positive integer, got 0/);
    expect(() => maxPool1d(x, 2, { stride: 0 })).toThrow(/maxPool1d: stride must be a positive integer, got 0/);
    expect(() => maxPool1d(x, 2, { padding: 2 })).toThrow(/maxPool1d: padding must be ≤ kernel \/ 2 = 1, got 2/);
    expect(() => maxPool1d(randn([3]), 2)).toThrow(/maxPool1d: input must be \[B, C, T\] or \[C, T\], got \[3\]/);
  });

  it('adaptive pools refuse an output size below 1', () => {
    expect(() => adaptiveAvgPool1d(x, 0)).toThrow(/adaptiveAvgPool1d: size must be a positive integer, got 0/);
    expect(() => adaptiveAvgPool2d(randn([1, 1, 4, 4]), [2, 0])).toThrow(/adaptiveAvgPool2d: size\[1\]/);
  });
});

describe('convolution', () => {
  it('conv1d and conv2d refuse a kernel that does not fit the padded input, naming the op', () => {
    expect(() => conv1d(randn([1, 1, 3]), randn([2, 1, 5]))).toThrow(
      /conv1d: kernel must be ≤ input length \+ 2·padding = 3 \(the output would be empty\), got 5/,
    );
    expect(conv1d(randn([1, 1, 3]), randn([2, 1, 5]), null, { padding: 1 }).shape).toEqual([1, 2, 1]);
    expect(() => conv1d(randn([1, 1, 9]), randn([2, 1, 5]), null, { dilation: 3 })).toThrow(
      /conv1d: kernel .*got 5 \(13 with dilation 3\)/,
    );
    expect(() => conv2d(randn([1, 1, 8, 2]), randn([2, 1, 3, 3]))).toThrow(/conv2d: kernel\[1\] must be ≤ input width/);
    expect(() => conv2d(randn([1, 1, 8, 8]), randn([2, 1, 3, 3]), null, { stride: [1, 0] })).toThrow(
      /conv2d: stride\[1\] must be a positive integer, got 0/,
    );
    expect(() => conv1d(randn([1, 1, 8]), randn([2, 1, 3]), null, { padding: -1 })).toThrow(/conv1d: padding/);
    expect(() => conv1d(randn([1, 1, 8]), randn([2, 3]))).toThrow(/conv1d: weight must be \[Cout, Cin\/groups, k\]/);
  });
});

describe('shapes, dims and dtypes', () => {
  const x = randn([2, 3, 4]);

  it('unfold refuses a window longer than its dim and a step below 1', () => {
    expect(() => unfold(x, 2, 5, 1)).toThrow(/unfold: size must be ≤ the length 4 of dim 2/);
    expect(() => unfold(x, 2, 2, 0)).toThrow(/unfold: step must be a positive integer, got 0/);
    expect(() => unfold(x, 3, 2, 1)).toThrow(/unfold: dim must be an integer in \[-3, 2\], got 3/);
  });

  it('softmax and logSoftmax refuse a dim out of range or not an integer', () => {
    expect(() => softmax(x, 3)).toThrow(/softmax: dim must be an integer in \[-3, 2\], got 3/);
    expect(() => logSoftmax(x, 0.5)).toThrow(/logSoftmax: dim must be an integer/);
    expect(softmax(x, -1).shape).toEqual([2, 3, 4]);
  });

  it('transpose, narrow and unsqueeze name the bad dim or range', () => {
    expect(() => transpose(x, 0, 3)).toThrow(/transpose: dim1 must be an integer in \[-3, 2\], got 3/);
    expect(() => narrow(x, 2, 2, 5)).toThrow(/narrow: start \+ length must lie in dim 2 of size 4/);
    expect(narrow(x, 2, -2, 2).shape).toEqual([2, 3, 2]);
    expect(() => unsqueeze(x, 4)).toThrow(/unsqueeze: dim must be an integer in \[-4, 3\], got 4/);
  });

  it('creation ops refuse unknown dtypes and sizes that are not non-negative integers', () => {
    expect(() => zeros([2], { dtype: 'float' as DType })).toThrow(
      /zeros: dtype must be one of .*"float32".*, got "float"/,
    );
    expect(() => to(x, { dtype: 'bogus' as DType })).toThrow(/to: dtype must be one of/);
    expect(() => zeros([2, -1])).toThrow(/zeros: shape\[1\] must be a non-negative integer, got -1/);
    expect(() => randn([1.5])).toThrow(/randn: shape\[0\] must be a non-negative integer, got 1\.5/);
    expect(() => tensor([1, 2], [2], { dtype: 'int' as DType })).toThrow(/tensor: dtype must be one of/);
    expect(() => randint(3, 3, [2])).toThrow(/randint: high must be > low = 3, got 3/);
  });

  it('losses refuse an unknown reduction', () => {
    const target = zeros([2], { dtype: 'int64' });
    expect(() => crossEntropy(randn([2, 3]), target, { reduction: 'avg' as Reduction })).toThrow(
      /crossEntropy: reduction must be one of "none", "mean", "sum", got "avg"/,
    );
  });
});
