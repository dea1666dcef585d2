/** Convolutions (cross-correlation, as in PyTorch). */
import { countingFlops, recordFlops } from '../flops.js';
import { positiveInteger } from '../../util/check.js';
import { opTensor, type Tensor } from '../tensor.js';
import { checkRank, checkWindow } from './check.js';

export interface ConvArgs {
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  groups?: number;
}

function expand(v: number | number[] | undefined, n: number, dflt: number): number[] {
  if (v === undefined) return Array<number>(n).fill(dflt);
  return typeof v === 'number' ? Array<number>(n).fill(v) : v;
}

const spatialNames: Record<number, string[]> = { 1: ['input length'], 2: ['input height', 'input width'] };

/**
 * convArgs(fn, x, weight, args, dims): x [B, Cin, …] or [Cin, …] and weight [Cout, Cin/g, …kernel] with `dims` spatial
 * dims, every window fitting its padded input; returns libtorch's [stride, padding, dilation, groups].
 */
function convArgs(
  fn: string,
  x: Tensor,
  weight: Tensor,
  args: ConvArgs,
  dims: 1 | 2,
): [number[], number[], number[], number] {
  const layout = dims === 1 ? '[B, Cin, T] or [Cin, T]' : '[B, Cin, H, W] or [Cin, H, W]';
  checkRank(fn, x, [dims + 1, dims + 2], layout);
  if (weight.rank !== dims + 2) {
    const want = dims === 1 ? '[Cout, Cin/groups, k]' : '[Cout, Cin/groups, kh, kw]';
    throw new Error(`${fn}: weight must be ${want}, got [${weight.shape.join(', ')}]`);
  }
  const stride = expand(args.stride, dims, 1);
  const padding = expand(args.padding, dims, 0);
  const dilation = expand(args.dilation, dims, 1);
  for (const [name, list] of [
    ['stride', stride],
    ['padding', padding],
    ['dilation', dilation],
  ] as const) {
    if (list.length !== dims) {
      throw new RangeError(`${fn}: ${name} must be a number or a list of ${dims}, got [${list.join(', ')}]`);
    }
  }
  const spatial = x.shape.slice(-dims);
  const kernel = weight.shape.slice(2);
  spatial.forEach((length, i) => {
    const d = { length, kernel: kernel[i]!, stride: stride[i]!, padding: padding[i]!, dilation: dilation[i]! };
    checkWindow(fn, { input: spatialNames[dims]![i]!, ...d }, dims === 1 ? '' : `[${i}]`);
  });
  return [stride, padding, dilation, positiveInteger(fn, 'groups', args.groups ?? 1)];
}

/** conv1d(x [B, Cin, T], w [Cout, Cin/g, k], b [Cout]) → [B, Cout, T']. */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, args: ConvArgs = {}): Tensor {
  return withConvFlops(
    weight,
    opTensor('aten::conv1d', '', [x, weight, bias, ...convArgs('conv1d', x, weight, args, 1)]),
  );
}

/** conv2d(x [B, Cin, H, W], w [Cout, Cin/g, kh, kw], b [Cout]) → [B, Cout, H', W']. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, args: ConvArgs = {}): Tensor {
  return withConvFlops(
    weight,
    opTensor('aten::conv2d', '', [x, weight, bias, ...convArgs('conv2d', x, weight, args, 2)]),
  );
}

/** Forward FLOPs of a convolution: 2 · |out| · (Cin/groups) · ∏ kernel. */
function withConvFlops(weight: Tensor, out: Tensor): Tensor {
  if (countingFlops()) recordFlops('conv', 2 * out.size * (weight.size / weight.shape[0]!));
  return out;
}
