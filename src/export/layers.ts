/**
 * The nn layers as ONNX nodes: Conv1d / Conv2d (Conv with the layer's stride, padding, dilation and groups) and the
 * GRU (ONNX's GRU with linear_before_reset = 1, which is torch's GRU once the gates are reordered from torch's r, z, n
 * to ONNX's z, r, h).
 */
import type { Conv1d, Conv2d } from '../nn/index.js';
import type { GruLayerWeights, Tensor } from '../tensor/index.js';
import type { GraphBuilder } from './graph.js';

/** float32Of(t, what): the values of a float32 tensor, row-major (a copy). */
export function float32Of(t: Tensor, what: string): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`onnx export: ${what} is ${t.dtype}; only float32 weights are exported`);
  return t.data() as Float32Array;
}

/** conv1dNode(g, conv, x [B, Cin, T], name) → [B, Cout, T'] */
export function conv1dNode(g: GraphBuilder, conv: Conv1d, x: string, name: string): string {
  const { stride, padding, dilation, groups } = conv.args;
  return g.node(
    'Conv',
    [x, ...convInputs(g, conv.weight, conv.bias, name)],
    {
      kernel_shape: [conv.kernelSize],
      strides: [stride],
      pads: [padding, padding],
      dilations: [dilation],
      group: groups,
    },
    name,
  );
}

/** conv2dNode(g, conv, x [N, Cin, H, W], name) → [N, Cout, H', W'] */
export function conv2dNode(g: GraphBuilder, conv: Conv2d, x: string, name: string): string {
  const { groups } = conv.args;
  const [stride, padding, dilation] = [conv.args.stride, conv.args.padding, conv.args.dilation].map(pairOf);
  const [padH, padW] = padding! as [number, number];
  return g.node(
    'Conv',
    [x, ...convInputs(g, conv.weight, conv.bias, name)],
    {
      kernel_shape: [...conv.kernelSize],
      strides: stride!,
      pads: [padH, padW, padH, padW],
      dilations: dilation!,
      group: groups,
    },
    name,
  );
}

/** A conv2d geometry entry as [along H, along W]. */
function pairOf(value: number | number[]): number[] {
  return typeof value === 'number' ? [value, value] : value;
}

/** The Conv node's inputs after x: W and, when the layer has one, B. */
function convInputs(g: GraphBuilder, weight: Tensor, bias: Tensor | null, name: string): string[] {
  const w = g.float32(`${name}.weight`, weight.shape, float32Of(weight, `${name}.weight`));
  if (bias === null) return [w];
  return [w, g.float32(`${name}.bias`, bias.shape, float32Of(bias, `${name}.bias`))];
}

/** torch's gate blocks r, z, n (rows of a [3H, ·] weight or a [3H] bias) reordered to ONNX's z, r, h. */
function gatesToOnnx(values: Float32Array, hidden: number): Float32Array {
  const block = values.length / 3;
  if (!Number.isInteger(block) || block % hidden !== 0) {
    throw new Error(`onnx export: a GRU weight of ${values.length} values is not 3 blocks of ${hidden} rows`);
  }
  const out = new Float32Array(values.length);
  out.set(values.subarray(block, 2 * block), 0); // z
  out.set(values.subarray(0, block), block); // r
  out.set(values.subarray(2 * block), 2 * block); // n (ONNX's h)
  return out;
}

/**
 * gruNode(g, weights, hidden, x [T, B, in], name) → [T, B, H]: one unidirectional GRU layer from a zero state, as
 * torch's GRU (and GRUCell stepped over time) computes it.
 */
export function gruNode(g: GraphBuilder, weights: GruLayerWeights, hidden: number, x: string, name: string): string {
  const { wIh, wHh, bIh, bHh } = weights;
  const inputSize = wIh.shape[1]!;
  const w = g.float32(
    `${name}.W`,
    [1, 3 * hidden, inputSize],
    gatesToOnnx(float32Of(wIh, `${name}.weight_ih`), hidden),
  );
  const r = g.float32(`${name}.R`, [1, 3 * hidden, hidden], gatesToOnnx(float32Of(wHh, `${name}.weight_hh`), hidden));
  const inputs = [x, w, r];
  if (bIh !== null || bHh !== null) {
    const zeros = new Float32Array(3 * hidden);
    const b = new Float32Array(6 * hidden);
    b.set(bIh === null ? zeros : gatesToOnnx(float32Of(bIh, `${name}.bias_ih`), hidden), 0);
    b.set(bHh === null ? zeros : gatesToOnnx(float32Of(bHh, `${name}.bias_hh`), hidden), 3 * hidden);
    inputs.push(g.float32(`${name}.B`, [1, 6 * hidden], b));
  }
  const y = g.node('GRU', inputs, { hidden_size: hidden, linear_before_reset: 1, direction: 'forward' }, name); // [T, 1, B, H]
  return g.node('Squeeze', [y, g.int64(`${name}.directions_axis`, [1])], {}, `${name}.output`); // [T, B, H]
}
