/** Convolutions (cross-correlation, as in PyTorch). */
import { countingFlops, recordFlops } from '../flops.js';
import { op1, type Tensor } from '../tensor.js';

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

/** conv1d(x [B, Cin, T], w [Cout, Cin/g, k], b [Cout]) → [B, Cout, T']. */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, args: ConvArgs = {}): Tensor {
  return counted(
    weight,
    op1('aten::conv1d', '', [
      x,
      weight,
      bias,
      expand(args.stride, 1, 1),
      expand(args.padding, 1, 0),
      expand(args.dilation, 1, 1),
      args.groups ?? 1,
    ]),
  );
}

/** conv2d(x [B, Cin, H, W], w [Cout, Cin/g, kh, kw], b [Cout]) → [B, Cout, H', W']. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, args: ConvArgs = {}): Tensor {
  return counted(
    weight,
    op1('aten::conv2d', '', [
      x,
      weight,
      bias,
      expand(args.stride, 2, 1),
      expand(args.padding, 2, 0),
      expand(args.dilation, 2, 1),
      args.groups ?? 1,
    ]),
  );
}

/** Forward FLOPs of a convolution: 2 · |out| · (Cin/groups) · ∏ kernel. */
function counted(weight: Tensor, out: Tensor): Tensor {
  if (countingFlops()) recordFlops('conv', 2 * out.size * (weight.size / weight.shape[0]!));
  return out;
}
