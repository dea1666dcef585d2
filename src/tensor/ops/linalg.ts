/** Matrix products. */
import { op1, type Tensor } from '../tensor.js';

/** matmul(a, b): matrix product with NumPy broadcasting of batch dims. */
export const matmul = (a: Tensor, b: Tensor): Tensor => op1('aten::matmul', '', [a, b]);
/** bmm(a, b): [B, n, m] × [B, m, p] → [B, n, p]. */
export const bmm = (a: Tensor, b: Tensor): Tensor => op1('aten::bmm', '', [a, b]);
/** linear(x, W, b) = x Wᵀ + b, W: [out, in]. */
export const linear = (x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor =>
  op1('aten::linear', '', [x, weight, bias ?? null]);
/** einsum(eq, ...xs): Einstein summation, as torch.einsum. */
export const einsum = (equation: string, ...xs: Tensor[]): Tensor => op1('aten::einsum', '', [equation, xs]);
