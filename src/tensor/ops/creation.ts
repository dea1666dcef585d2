/** Creating tensors: from JS data, constant fills, ranges; moving between dtypes and devices. */
import { native } from '../native.js';
import { checkShape, dtypeOfArray, scalarTypeCode, type DType } from '../dtype.js';
import { opTensor, Tensor, type Device } from '../tensor.js';
import { nonNegativeInteger } from '../../util/check.js';

export interface CreationArgs {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

/** finish(t, args): move a CPU-built tensor to args.device and set requiresGrad. */
function finish(t: Tensor, args: CreationArgs): Tensor {
  let out = t;
  if (args.device !== undefined && args.device !== t.device) {
    out = to(t, { device: args.device });
    t.dispose();
  }
  if (args.requiresGrad) out.requireGrad();
  return out;
}

/** Factories create directly on the device; only requiresGrad is left to set. */
function grad(t: Tensor, args: CreationArgs): Tensor {
  return args.requiresGrad ? t.requireGrad() : t;
}

function factoryArgs(fn: string, args: CreationArgs): [number, null, string | null] {
  return [scalarTypeCode(fn, args.dtype ?? 'float32'), null, args.device ?? null];
}

function packed(data: ArrayLike<number> | ArrayBufferView, dtype: DType): ArrayBufferView {
  switch (dtype) {
    // Number(v) also converts BigInt64Array elements (a bare TypedArray.from throws on bigint).
    case 'float32':
      return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>, (v) => Number(v));
    case 'float64':
      return data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>, (v) => Number(v));
    case 'int64':
      return data instanceof BigInt64Array ? data : BigInt64Array.from(data as ArrayLike<number>, (v) => BigInt(v));
    case 'int32':
      return data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>, (v) => Number(v));
    case 'uint8':
      return data instanceof Uint8Array ? data : Uint8Array.from(data as ArrayLike<number>, (v) => Number(v));
    case 'bool':
      // libtorch bools must be stored as bytes 0 or 1.
      return Uint8Array.from(data as ArrayLike<number>, (v) => (v ? 1 : 0));
    case 'float16':
    case 'bfloat16':
      if (data instanceof Uint16Array) return data;
      throw new Error(
        `tensor(): ${dtype} data must be given as a Uint16Array of raw bits, or created as float32 and cast`,
      );
  }
}

/** A tensor holding a copy of `data` (row-major) with `shape` (default: 1-D). dtype defaults to the array's, or float32. */
export function tensor(
  data: ArrayLike<number> | ArrayBufferView,
  shape?: readonly number[],
  args: CreationArgs = {},
): Tensor {
  const dtype =
    args.dtype ?? (ArrayBuffer.isView(data) && !(data instanceof DataView) ? dtypeOfArray(data) : 'float32');
  const code = scalarTypeCode('tensor', dtype);
  if (shape !== undefined) checkShape('tensor', shape);
  const buf = packed(data as ArrayLike<number>, dtype);
  const n = (buf as unknown as ArrayLike<unknown>).length;
  const dims = shape ?? [n];
  const t = new Tensor(native.fromBuffer(buf, [...dims], code));
  return finish(t, args);
}

/** A scalar (0-d) tensor. */
export function scalar(value: number, args: CreationArgs = {}): Tensor {
  return tensor([value], [], args);
}

/** zeros(shape): every element 0. */
export function zeros(shape: readonly number[], args: CreationArgs = {}): Tensor {
  checkShape('zeros', shape);
  return grad(opTensor('aten::zeros', '', [[...shape], ...factoryArgs('zeros', args)]), args);
}

/** ones(shape): every element 1. */
export function ones(shape: readonly number[], args: CreationArgs = {}): Tensor {
  checkShape('ones', shape);
  return grad(opTensor('aten::ones', '', [[...shape], ...factoryArgs('ones', args)]), args);
}

/** full(shape, v): every element v. */
export function full(shape: readonly number[], value: number, args: CreationArgs = {}): Tensor {
  checkShape('full', shape);
  return grad(opTensor('aten::full', '', [[...shape], value, ...factoryArgs('full', args)]), args);
}

/** arange(start, end, step): start, start+step, … < end. */
export function arange(start: number, end?: number, step = 1, args: CreationArgs = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  const dtype =
    args.dtype ?? (Number.isInteger(lo) && Number.isInteger(hi) && Number.isInteger(step) ? 'int64' : 'float32');
  return grad(
    opTensor('aten::arange', 'start_step', [lo, hi, step, ...factoryArgs('arange', { ...args, dtype })]),
    args,
  );
}

/** eye(n): the n×n identity. */
export function eye(n: number, args: CreationArgs = {}): Tensor {
  return grad(opTensor('aten::eye', '', [nonNegativeInteger('eye', 'n', n), ...factoryArgs('eye', args)]), args);
}

/** zerosLike(x): zeros with x's shape, dtype and device. */
export function zerosLike(x: Tensor): Tensor {
  return opTensor('aten::zeros_like', '', [x]);
}

/** onesLike(x): ones with x's shape, dtype and device. */
export function onesLike(x: Tensor): Tensor {
  return opTensor('aten::ones_like', '', [x]);
}

/** clone(x): a copy with its own memory (differentiable). */
export function clone(x: Tensor): Tensor {
  return opTensor('aten::clone', '', [x]);
}

/** to(x, {dtype, device}): x converted (a new tensor, differentiable). */
export function to(x: Tensor, args: { dtype?: DType; device?: Device }): Tensor {
  const dtype = scalarTypeCode('to', args.dtype ?? x.dtype);
  if (args.device === undefined) return opTensor('aten::to', 'dtype', [x, dtype, false, true]);
  return opTensor('aten::to', 'device', [x, args.device, dtype, false, true]);
}

/** copyInto(dst, src): dst ← src in place (no grad tracking across; for loading state). */
export function copyInto(dst: Tensor, src: Tensor): Tensor {
  const prev = native.setGradEnabled(false);
  try {
    const r = native.callOp('aten::copy_', '', [dst.handle, src.handle]);
    if (r !== null && typeof r === 'object' && !Array.isArray(r)) native.dispose(r);
  } finally {
    native.setGradEnabled(prev);
  }
  return dst;
}
