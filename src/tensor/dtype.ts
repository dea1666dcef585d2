/** Element types and their libtorch ScalarType codes (c10/core/ScalarType.h). */
import { nonNegativeInteger, oneOf } from '../util/check.js';

export type DType = 'uint8' | 'int32' | 'int64' | 'float16' | 'float32' | 'float64' | 'bool' | 'bfloat16';

export const scalarTypeOf: Record<DType, number> = {
  uint8: 0,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  bool: 11,
  bfloat16: 15,
};

/** Every supported dtype name. */
export const dtypes = Object.keys(scalarTypeOf) as DType[];

/** scalarTypeCode(fn, dtype): the libtorch code of a dtype, or an error naming fn's dtype option and the choices. */
export function scalarTypeCode(fn: string, dtype: DType): number {
  return scalarTypeOf[oneOf(fn, 'dtype', dtype, dtypes)];
}

/** checkShape(fn, shape): a list of non-negative integer sizes (a new tensor's shape; no −1). */
export function checkShape(fn: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) throw new TypeError(`${fn}: shape must be a list of sizes, got ${String(shape)}`);
  shape.forEach((size, i) => nonNegativeInteger(fn, `shape[${i}]`, size));
}

const dtypeOfCode = new Map<number, DType>(Object.entries(scalarTypeOf).map(([k, v]) => [v, k as DType]));

/** The DType of a libtorch ScalarType code. */
export function dtypeOf(code: number): DType {
  const d = dtypeOfCode.get(code);
  if (d === undefined) throw new Error(`unsupported libtorch scalar type code ${code}`);
  return d;
}

/** Typed array that holds each dtype's values when read back (bfloat16/float16 as raw 16-bit words). */
export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'bfloat16' | 'float16'
          ? Uint16Array
          : Uint8Array;

export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint16Array | Uint8Array;

/** View an ArrayBuffer of `dtype` values as the matching typed array. */
export function viewAs(buf: ArrayBuffer, dtype: DType): AnyTypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buf);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buf);
  }
}

/** The dtype implied by a typed array, when it is unambiguous. */
export function dtypeOfArray(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'uint8';
  throw new Error(`cannot infer a dtype from ${a.constructor.name}; pass { dtype }`);
}

export const isFloating = (d: DType): boolean =>
  d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
