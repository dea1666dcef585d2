/** Convolution layers over time (Conv1d) and space (Conv2d). */
import { conv1d, conv2d, zeros, type ConvArgs, type Tensor } from '../tensor/index.js';
import { fans, kaimingUniform, uniformBias } from './init.js';
import { nonNegativeInteger, positiveInteger } from '../util/check.js';
import { Module } from './module.js';

export interface Conv1dArgs {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
}

type Pair = number | [number, number];

export interface Conv2dArgs {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
}

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** Kernel sizes, strides and dilations ≥ 1 and paddings ≥ 0, each entry an integer. */
function checkGeometry(
  name: string,
  g: { kernelSize: number[]; stride: number[]; padding: number[]; dilation: number[] },
): void {
  const each = (field: string, vs: number[], check: typeof positiveInteger) =>
    vs.forEach((v, i) => check(name, vs.length > 1 ? `${field}[${i}]` : field, v));
  each('kernelSize', g.kernelSize, positiveInteger);
  each('stride', g.stride, positiveInteger);
  each('padding', g.padding, nonNegativeInteger);
  each('dilation', g.dilation, positiveInteger);
}

function checkGroups(name: string, inChannels: number, outChannels: number, groups: number): void {
  positiveInteger(name, 'inChannels', inChannels);
  positiveInteger(name, 'outChannels', outChannels);
  positiveInteger(name, 'groups', groups);
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(
      `${name}: in (${inChannels}) and out (${outChannels}) channels must be divisible by groups (${groups})`,
    );
  }
}

/** Shared body: weight [out, in/groups, ...kernel] ~ kaimingUniform(a=√5), bias [out] ~ U(±1/√fan_in). */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  protected constructor(inChannels: number, outChannels: number, kernel: number[], groups: number, bias: boolean) {
    super();
    checkGroups(this.constructor.name, inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.weight = this.registerParameter(
      'weight',
      kaimingUniform(zeros([outChannels, inChannels / groups, ...kernel])),
    );
    this.bias = bias
      ? this.registerParameter('bias', uniformBias(zeros([outChannels]), fans(this.weight.shape)[0]))
      : null;
  }
}

/** Conv1d(in, out, k): y[b, o, t] = bias[o] + Σ_{c,j} W[o, c, j]·x[b, g(o)·in/groups + c, t·stride + j·dilation − pad]. */
export class Conv1d extends ConvNd {
  readonly kernelSize: number;
  readonly args: Required<Omit<Conv1dArgs, 'bias'>>;

  constructor(inChannels: number, outChannels: number, kernelSize: number, args: Conv1dArgs = {}) {
    const groups = args.groups ?? 1;
    const geometry = { stride: args.stride ?? 1, padding: args.padding ?? 0, dilation: args.dilation ?? 1 };
    checkGeometry('Conv1d', {
      kernelSize: [kernelSize],
      stride: [geometry.stride],
      padding: [geometry.padding],
      dilation: [geometry.dilation],
    });
    super(inChannels, outChannels, [kernelSize], groups, args.bias ?? true);
    this.kernelSize = kernelSize;
    this.args = { ...geometry, groups };
  }

  /** forward(x [B, Cin, T]) → [B, Cout, ⌊(T + 2·pad − dil·(k−1) − 1)/stride⌋ + 1]. */
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this.args);
  }
}

/** Conv2d(in, out, k): 2-D cross-correlation of x [B, Cin, H, W] with W [out, in/groups, kh, kw], plus bias. */
export class Conv2d extends ConvNd {
  readonly kernelSize: [number, number];
  readonly args: Required<ConvArgs>;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, args: Conv2dArgs = {}) {
    const groups = args.groups ?? 1;
    const geometry = {
      stride: pair(args.stride ?? 1),
      padding: pair(args.padding ?? 0),
      dilation: pair(args.dilation ?? 1),
    };
    checkGeometry('Conv2d', { kernelSize: pair(kernelSize), ...geometry });
    super(inChannels, outChannels, pair(kernelSize), groups, args.bias ?? true);
    this.kernelSize = pair(kernelSize);
    this.args = { ...geometry, groups };
  }

  /** forward(x [B, Cin, H, W]) → [B, Cout, H', W'], each spatial dim as in Conv1d. */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.args);
  }
}
