/** Elementwise arithmetic, nonlinearities and comparisons (broadcasting as in PyTorch). */
import { opTensor, Tensor } from '../tensor.js';

type Operand = Tensor | number;

function binary(name: string, a: Tensor, b: Operand): Tensor {
  return b instanceof Tensor ? opTensor(name, 'Tensor', [a, b]) : opTensor(name, 'Scalar', [a, b]);
}

/** add(a, b) = a + b. */
export const add = (a: Tensor, b: Operand): Tensor => binary('aten::add', a, b);
/** sub(a, b) = a − b. */
export const sub = (a: Tensor, b: Operand): Tensor => binary('aten::sub', a, b);
/** mul(a, b) = a · b. */
export const mul = (a: Tensor, b: Operand): Tensor => binary('aten::mul', a, b);
/** div(a, b) = a / b (true division). */
export const div = (a: Tensor, b: Operand): Tensor => binary('aten::div', a, b);
/** pow(a, b) = a^b. */
export const pow = (a: Tensor, b: Operand): Tensor =>
  b instanceof Tensor ? opTensor('aten::pow', 'Tensor_Tensor', [a, b]) : opTensor('aten::pow', 'Tensor_Scalar', [a, b]);
/** neg(x) = −x. */
export const neg = (x: Tensor): Tensor => opTensor('aten::neg', '', [x]);
/** abs(x) = |x|. */
export const abs = (x: Tensor): Tensor => opTensor('aten::abs', '', [x]);
/** sqrt(x) = √x. */
export const sqrt = (x: Tensor): Tensor => opTensor('aten::sqrt', '', [x]);
/** exp(x) = eˣ. */
export const exp = (x: Tensor): Tensor => opTensor('aten::exp', '', [x]);
/** log(x) = ln x. */
export const log = (x: Tensor): Tensor => opTensor('aten::log', '', [x]);
/** relu(x) = max(x, 0). */
export const relu = (x: Tensor): Tensor => opTensor('aten::relu', '', [x]);
/** sigmoid(x) = 1 / (1 + e⁻ˣ). */
export const sigmoid = (x: Tensor): Tensor => opTensor('aten::sigmoid', '', [x]);
/** softplus(x) = log(1 + eˣ) (linear above x = 20, as torch.nn.functional.softplus). */
export const softplus = (x: Tensor): Tensor => opTensor('aten::softplus', '', [x, 1, 20]);
/** tanh(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ). */
export const tanh = (x: Tensor): Tensor => opTensor('aten::tanh', '', [x]);
/** clamp(x, min, max) = min(max(x, min), max); either bound may be null. */
export const clamp = (x: Tensor, min: number | null, max: number | null): Tensor =>
  opTensor('aten::clamp', '', [x, min, max]);
/** where(cond, a, b) = cond ? a : b, elementwise. */
export const where = (cond: Tensor, a: Tensor, b: Tensor): Tensor => opTensor('aten::where', 'self', [cond, a, b]);

/** eq(a, b) = (a == b) as bool. */
export const eq = (a: Tensor, b: Operand): Tensor => binary('aten::eq', a, b);
/** ne(a, b) = (a != b) as bool. */
export const ne = (a: Tensor, b: Operand): Tensor => binary('aten::ne', a, b);
/** lt(a, b) = (a < b) as bool. */
export const lt = (a: Tensor, b: Operand): Tensor => binary('aten::lt', a, b);
/** le(a, b) = (a ≤ b) as bool. */
export const le = (a: Tensor, b: Operand): Tensor => binary('aten::le', a, b);
/** gt(a, b) = (a > b) as bool. */
export const gt = (a: Tensor, b: Operand): Tensor => binary('aten::gt', a, b);
/** ge(a, b) = (a ≥ b) as bool. */
export const ge = (a: Tensor, b: Operand): Tensor => binary('aten::ge', a, b);
/** isnan(x): elementwise x ≠ x. */
export const isnan = (x: Tensor): Tensor => opTensor('aten::isnan', '', [x]);
/** floorDivide(a, b) = ⌊a / b⌋ (integer tensors stay integer). */
export const floorDivide = (a: Tensor, b: Operand): Tensor =>
  b instanceof Tensor
    ? opTensor('aten::div', 'Tensor_mode', [a, b, 'floor'])
    : opTensor('aten::div', 'Scalar_mode', [a, b, 'floor']);
/** remainder(a, b) = a − b·⌊a / b⌋ (the sign of b, as Python's %). */
export const remainder = (a: Tensor, b: Operand): Tensor => binary('aten::remainder', a, b);
