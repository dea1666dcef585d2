/** PyTorch's default parameter initialisations (torch.nn.init), drawn from libtorch's global generator. */
import { noGrad, uniformInPlace, type Tensor } from '../tensor/index.js';

/** fans(shape) = [fan_in, fan_out] = [shape[1]·∏ shape[2:], shape[0]·∏ shape[2:]] (in = in_channels/groups for conv). */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) throw new Error(`fans: need at least 2 dims, got shape [${shape.join(', ')}]`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1]! * receptive, shape[0]! * receptive];
}

/** leakyReluGain(a) = √(2 / (1 + a²)), torch.nn.init.calculate_gain('leaky_relu', a). */
export function leakyReluGain(a: number): number {
  return Math.sqrt(2 / (1 + a * a));
}

/** uniform(t, low, high): t ← U(low, high) in place, outside autograd; returns t. */
export function uniform(t: Tensor, low: number, high: number): Tensor {
  return noGrad(() => uniformInPlace(t, low, high));
}

/** kaimingUniformBound(fanIn, a) = gain·√(3/fan_in) with gain = √(2/(1+a²)). */
export function kaimingUniformBound(fanIn: number, a = Math.sqrt(5)): number {
  return leakyReluGain(a) * Math.sqrt(3 / fanIn);
}

/** kaimingUniform(w, a=√5): w ← U(−b, b), b = √(2/(1+a²))·√(3/fan_in) (= 1/√fan_in for a=√5, the layer default). */
export function kaimingUniform(w: Tensor, a = Math.sqrt(5)): Tensor {
  const bound = kaimingUniformBound(fans(w.shape)[0], a);
  return uniform(w, -bound, bound);
}

/** biasBound(fanIn) = 1/√fan_in (0 when fan_in = 0), the default bias range of Linear and Conv. */
export function biasBound(fanIn: number): number {
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}

/** uniformBias(b, fanIn): b ← U(−1/√fan_in, 1/√fan_in) in place; returns b. */
export function uniformBias(b: Tensor, fanIn: number): Tensor {
  const bound = biasBound(fanIn);
  return uniform(b, -bound, bound);
}
