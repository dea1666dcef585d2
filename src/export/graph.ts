/**
 * A small builder for ONNX graphs on the official schema (onnx-proto, compiled for protobufjs): float32 initializers,
 * nodes with unique output names, typed graph inputs/outputs with named (dynamic) axes, and the ModelProto around them.
 */
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

/** The opset the exporters target (GRU with linear_before_reset, Conv, ReduceMean with axes as an input). */
export const ONNX_OPSET = 17;
/** IR version 8: the one that goes with opset 17 (ONNX 1.12), and the newest the onnx-proto schema knows. */
export const ONNX_IR_VERSION = 8;

/** An attribute value: an integer, a float, an integer list or a string. */
export type AttributeValue = number | number[] | string | { float: number };

/** One axis of a graph input or output: a fixed size or a named dynamic axis ('batch', 'samples', …). */
export type Axis = number | string;

export interface ModelArgs {
  /** The graph's name (shown by viewers such as Netron). */
  name: string;
  /** Key/value pairs stored in the model's metadata_props (e.g. the run's config JSON). */
  metadata: Record<string, string>;
  docString?: string;
}

/** GraphBuilder: collects nodes and initializers; every value name it hands out is unique in the graph. */
export class GraphBuilder {
  readonly #nodes: OnnxTypes.INodeProto[] = [];
  readonly #initializers: OnnxTypes.ITensorProto[] = [];
  readonly #inputs: OnnxTypes.IValueInfoProto[] = [];
  readonly #outputs: OnnxTypes.IValueInfoProto[] = [];
  readonly #used = new Set<string>();

  /** A fresh value name from `base` (base, base_1, base_2, …). */
  name(base: string): string {
    let name = base;
    for (let i = 1; this.#used.has(name); i++) name = `${base}_${i}`;
    this.#used.add(name);
    return name;
  }

  /** input(name, axes): a float32 graph input; returns its value name. */
  input(name: string, axes: readonly Axis[]): string {
    const value = this.name(name);
    this.#inputs.push(valueInfo(value, axes));
    return value;
  }

  /** output(value, axes): mark `value` as a float32 graph output. */
  output(value: string, axes: readonly Axis[]): void {
    this.#outputs.push(valueInfo(value, axes));
  }

  /** float32(name, dims, data): a float32 initializer (weights are copied). */
  float32(name: string, dims: readonly number[], data: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) {
      throw new Error(`onnx initializer ${name}: ${data.length} values for shape [${dims.join(', ')}]`);
    }
    const value = this.name(name);
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.#initializers.push({
      name: value,
      dims: [...dims],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: bytes,
    });
    return value;
  }

  /** int64(name, values): a 1-D int64 initializer (shapes, axes, slice bounds). */
  int64(name: string, values: readonly number[]): string {
    const value = this.name(name);
    const bytes = new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
    this.#initializers.push({
      name: value,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: bytes,
    });
    return value;
  }

  /** node(op, inputs, attributes, outputName): add a node with one output; returns the output's value name. */
  node(
    op: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    outputName = op,
  ): string {
    const out = this.name(outputName);
    this.#nodes.push({
      opType: op,
      name: this.name(`${out}_node`),
      input: [...inputs],
      output: [out],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return out;
  }

  /** model(args): the ModelProto of the graph built so far. */
  model(args: ModelArgs): OnnxTypes.ModelProto {
    return onnx.ModelProto.create({
      irVersion: ONNX_IR_VERSION,
      producerName: 'greedy-infomax',
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      docString: args.docString ?? '',
      metadataProps: Object.entries(args.metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: args.name,
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs,
        output: this.#outputs,
      },
    });
  }
}

/** A float32 tensor ValueInfo with the given axes (numbers fixed, strings named dynamic axes). */
function valueInfo(name: string, axes: readonly Axis[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: axes.map((a) => (typeof a === 'number' ? { dimValue: a } : { dimParam: a })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`onnx attribute ${name}: ${value} is not an integer`);
    return { name, type: AttributeType.INT, i: value };
  }
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  return { name, type: AttributeType.FLOAT, f: value.float };
}

/** encodeModel(model): the model's protobuf bytes. */
export function encodeModel(model: OnnxTypes.ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** decodeModel(bytes): a ModelProto read back (for tests and tools). */
export function decodeModel(bytes: Uint8Array): OnnxTypes.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
