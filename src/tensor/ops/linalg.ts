/** Matrix products. */
import { countingFlops, recordFlops } from '../flops.js';
import { opTensor, type Tensor } from '../tensor.js';

/** Forward FLOPs of a product whose output is `out` and inner dimension `k`: 2 · |out| · k. */
function withMatmulFlops(out: Tensor, k: number): Tensor {
  if (countingFlops()) recordFlops('matmul', 2 * out.size * k);
  return out;
}

/** matmul(a, b): matrix product with NumPy broadcasting of batch dims. */
export const matmul = (a: Tensor, b: Tensor): Tensor =>
  withMatmulFlops(opTensor('aten::matmul', '', [a, b]), a.shape[a.rank - 1]!);
/** bmm(a, b): [B, n, m] × [B, m, p] → [B, n, p]. */
export const bmm = (a: Tensor, b: Tensor): Tensor => withMatmulFlops(opTensor('aten::bmm', '', [a, b]), a.shape[2]!);
/** linear(x, W, b) = x Wᵀ + b, W: [out, in]. */
export const linear = (x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor =>
  withMatmulFlops(opTensor('aten::linear', '', [x, weight, bias ?? null]), weight.shape[1]!);
/** einsum(eq, ...xs): Einstein summation, as torch.einsum. */
export const einsum = (equation: string, ...xs: Tensor[]): Tensor => opTensor('aten::einsum', '', [equation, xs]);
