/**
 * Reader/writer for the safetensors format (https://github.com/huggingface/safetensors):
 *   8 bytes  u64 little-endian N (header length)
 *   N bytes  UTF-8 JSON header, starting with '{', padded with spaces (0x20) so 8 + N is 8-aligned
 *   rest     data buffer; every tensor is `data_offsets: [begin, end]` relative to its start.
 * The header maps tensor name -> {dtype, shape, data_offsets} plus an optional
 * "__metadata__": {string: string}. Tensors must cover the buffer exactly (no holes/overlaps).
 * Pure byte-level module: no dependency on the tensor engine.
 */
import * as fs from 'node:fs';
import { writeFileAtomic } from '../util/fs.js';

export type SafetensorsDType = 'F32' | 'F64' | 'I64' | 'I32' | 'U8' | 'BOOL' | 'BF16' | 'F16';

/** One tensor as raw bytes: little-endian, row-major (C order). */
export interface RawTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

export type TensorInput = Map<string, RawTensor> | Record<string, RawTensor>;

/** Error thrown for malformed safetensors input; the message starts with the source name. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

const ITEM_SIZE: Readonly<Record<SafetensorsDType, number>> = {
  F64: 8,
  I64: 8,
  F32: 4,
  I32: 4,
  BF16: 2,
  F16: 2,
  U8: 1,
  BOOL: 1,
};

/** Header length cap (same as the reference implementation): guards against absurd allocations. */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

/** True if `s` is one of the supported dtype strings. */
function isSafetensorsDType(s: unknown): s is SafetensorsDType {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(ITEM_SIZE, s);
}

/** Bytes per element of `dtype` (BOOL is stored as one byte, 0 or 1). */
export function itemSize(dtype: SafetensorsDType): number {
  const n = ITEM_SIZE[dtype];
  if (n === undefined) throw new SafetensorsError(`unknown safetensors dtype '${String(dtype)}'`);
  return n;
}

/** Element count of `shape` (1 for a scalar `[]`); throws unless dims are non-negative safe integers. */
function numel(shape: readonly unknown[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new SafetensorsError(`${what}: shape ${JSON.stringify(shape)} must contain non-negative integers`);
    }
    n *= d;
    if (!Number.isSafeInteger(n)) throw new SafetensorsError(`${what}: shape ${JSON.stringify(shape)} is too large`);
  }
  return n;
}

function entriesOf(tensors: TensorInput): [string, RawTensor][] {
  return tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
}

/** Serialise to the safetensors byte layout: u64 LE header length N, N bytes of JSON header (padded with spaces to 8-byte alignment), then the data buffer. */
export function encodeSafetensors(tensors: TensorInput, metadata?: Record<string, string>): Uint8Array {
  const entries = entriesOf(tensors);
  for (const [name, t] of entries) {
    const what = `safetensors encode: tensor '${name}'`;
    if (name === METADATA_KEY)
      throw new SafetensorsError(`safetensors encode: '${METADATA_KEY}' is reserved and cannot be a tensor name`);
    if (!isSafetensorsDType(t.dtype)) throw new SafetensorsError(`${what}: unknown dtype '${String(t.dtype)}'`);
    if (!Array.isArray(t.shape)) throw new SafetensorsError(`${what}: shape must be an array`);
    if (!(t.data instanceof Uint8Array)) throw new SafetensorsError(`${what}: data must be a Uint8Array`);
    const expected = numel(t.shape, what) * itemSize(t.dtype);
    if (t.data.byteLength !== expected) {
      throw new SafetensorsError(
        `${what}: ${t.dtype}${JSON.stringify(t.shape)} needs ${expected} bytes expected but data has ${t.data.byteLength}`,
      );
    }
  }
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new SafetensorsError('safetensors encode: metadata must be a plain object of string values');
    }
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new SafetensorsError(`safetensors encode: metadata value for '${k}' must be a string, got ${typeof v}`);
      }
    }
  }
  // Like the reference writer: larger item sizes first, then by name, so every tensor is aligned
  // to its own item size within the (8-aligned) data buffer.
  entries.sort(([an, a], [bn, b]) => itemSize(b.dtype) - itemSize(a.dtype) || (an < bn ? -1 : an > bn ? 1 : 0));

  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header[METADATA_KEY] = { ...metadata };
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const [, t] of entries) {
    out.set(t.data, pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Parse safetensors bytes, validating the layout; errors name `source` (e.g. the file path). Tensor data are fresh copies (byteOffset 0). */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new SafetensorsError(`${source}: ${msg}`);
  };
  if (bytes.byteLength < 8) {
    fail(`not a safetensors file: ${bytes.byteLength} bytes, need at least 8 for the header length`);
  }
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`);
  }
  const n = Number(n64);
  if (8 + n > bytes.byteLength)
    fail(
      `truncated: header says ${n} bytes but file has ${bytes.byteLength} (${bytes.byteLength - 8} after the 8-byte length)`,
    );
  const headerBytes = bytes.subarray(8, 8 + n);
  if (headerBytes[0] !== 0x7b) fail(`header does not start with '{' (not a safetensors file?)`);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    fail('header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail('header JSON must be an object');
  const buffer = bytes.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors = new Map<string, RawTensor>();

  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`'${METADATA_KEY}' must be an object`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string')
          fail(`'${METADATA_KEY}' value for '${k}' must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const what = `tensor '${name}'`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`${what}: entry must be an object`);
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isSafetensorsDType(info.dtype)) fail(`${what}: unknown dtype ${JSON.stringify(info.dtype)}`);
    const dtype = info.dtype as SafetensorsDType;
    if (!Array.isArray(info.shape)) fail(`${what}: shape must be an array, got ${JSON.stringify(info.shape)}`);
    const shape = info.shape as unknown[];
    let count = 0;
    try {
      count = numel(shape, what);
    } catch (e) {
      fail((e as Error).message);
    }
    const offs = info.data_offsets;
    const isOff = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
    if (!Array.isArray(offs) || offs.length !== 2 || !isOff(offs[0]) || !isOff(offs[1]) || offs[0] > offs[1]) {
      fail(`${what}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (end > buffer.byteLength) {
      fail(
        `${what}: data_offsets [${begin}, ${end}] exceed the ${buffer.byteLength}-byte data buffer (file truncated?)`,
      );
    }
    const expected = count * itemSize(dtype);
    if (end - begin !== expected) {
      fail(
        `${what}: ${dtype}${JSON.stringify(shape)} means ${expected} bytes expected, but data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    spans.push({ name, begin, end });
    tensors.set(name, { dtype, shape: shape as number[], data: buffer.slice(begin, end) });
  }

  // The spec requires the tensors to tile the data buffer exactly.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const s of spans) {
    if (s.begin > cursor)
      fail(`tensor '${s.name}': hole in data buffer: bytes [${cursor}, ${s.begin}) belong to no tensor`);
    if (s.begin < cursor)
      fail(`tensor '${s.name}': data_offsets [${s.begin}, ${s.end}] overlap another tensor (which ends at ${cursor})`);
    cursor = s.end;
  }
  if (cursor !== buffer.byteLength) {
    fail(`data buffer has ${buffer.byteLength} bytes but tensors cover only ${cursor} (trailing garbage?)`);
  }
  return { tensors, metadata };
}

/**
 * Write a safetensors file atomically and durably (util/fs writeFileAtomic: temporary file in the same folder, fsync,
 * rename over `path`, fsync the folder). Encoding errors are thrown before the disk is touched.
 */
export function writeSafetensorsSync(path: string, tensors: TensorInput, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Read and validate a safetensors file; errors name the path. */
export function readSafetensorsSync(path: string): SafetensorsFile {
  const buf = fs.readFileSync(path);
  return decodeSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}
