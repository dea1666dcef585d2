/**
 * Checkpoints: named tensors plus JSON metadata (config, step, RNG state, extras) in one safetensors file, written
 * atomically. Each metadata value is stored JSON-stringified under its key in `__metadata__` (rngState as base64).
 */
import { endianness } from 'node:os';
import type { DType } from './dtype.js';
import { tensor } from './ops/creation.js';
import {
  readSafetensorsSync,
  writeSafetensorsSync,
  type RawTensor,
  type SafetensorsDType,
  type SafetensorsFile,
} from './safetensors.js';
import type { Tensor } from './tensor.js';

export interface CheckpointMetadata {
  /** Run configuration; any JSON-serialisable value. */
  config: unknown;
  /** Training step (or epoch) the checkpoint was taken at. */
  step: number;
  /** libtorch generator state from getRngState(). */
  rngState?: Uint8Array;
  /** Further JSON-serialisable entries, returned in `extra`. */
  [key: string]: unknown;
}

export interface CheckpointInput {
  tensors: ReadonlyMap<string, Tensor>;
  metadata: CheckpointMetadata;
}

export interface Checkpoint {
  /** New tensors on the CPU, owned by the caller (or the enclosing tidy). */
  tensors: Map<string, Tensor>;
  config: unknown;
  step: number;
  rngState?: Uint8Array;
  extra: Record<string, unknown>;
}

const FORMAT_KEY = 'format';
const FORMAT = 'greedy-infomax-checkpoint/1';
const RESERVED = new Set(['config', 'step', 'rngState', FORMAT_KEY]);

const toSafetensors: Record<DType, SafetensorsDType> = {
  float32: 'F32',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
  bfloat16: 'BF16',
  float16: 'F16',
};
const fromSafetensors = new Map<SafetensorsDType, DType>(
  Object.entries(toSafetensors).map(([k, v]) => [v, k as DType]),
);

function checkEndianness(): void {
  if (endianness() !== 'LE') throw new Error('checkpoint: only little-endian hosts are supported');
}

/** toRawTensor(t): t's values (copied to the CPU, row-major) as little-endian bytes with its safetensors dtype. */
export function toRawTensor(t: Tensor): RawTensor {
  checkEndianness();
  const a = t.data();
  return {
    dtype: toSafetensors[t.dtype],
    shape: [...t.shape],
    data: new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
  };
}

/** fromRawTensor(r): a new CPU tensor with r's dtype, shape and bytes. */
export function fromRawTensor(r: RawTensor): Tensor {
  checkEndianness();
  const dtype = fromSafetensors.get(r.dtype);
  if (dtype === undefined) throw new Error(`checkpoint: unsupported dtype ${r.dtype}`);
  const buf = r.data.slice().buffer; // own, aligned copy
  let view: ArrayBufferView;
  switch (dtype) {
    case 'float32':
      view = new Float32Array(buf);
      break;
    case 'float64':
      view = new Float64Array(buf);
      break;
    case 'int64':
      view = new BigInt64Array(buf);
      break;
    case 'int32':
      view = new Int32Array(buf);
      break;
    case 'float16':
    case 'bfloat16':
      view = new Uint16Array(buf);
      break;
    case 'uint8':
    case 'bool':
      view = new Uint8Array(buf);
      break;
  }
  return tensor(view, r.shape, { dtype });
}

function json(key: string, value: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(value);
  } catch (e) {
    throw new Error(`metadata '${key}' is not JSON-serialisable: ${(e as Error).message}`, { cause: e });
  }
  if (s === undefined) throw new Error(`metadata '${key}' is not JSON-serialisable (${typeof value})`);
  return s;
}

/** encodeMetadata(m): each entry JSON-stringified (rngState as base64), plus a format tag. */
function encodeMetadata(m: CheckpointMetadata): Record<string, string> {
  if (!Number.isSafeInteger(m.step) || m.step < 0)
    throw new Error(`metadata 'step' must be a non-negative integer, got ${String(m.step)}`);
  const out: Record<string, string> = {
    [FORMAT_KEY]: FORMAT,
    config: json('config', m.config ?? null),
    step: json('step', m.step),
  };
  if (m.rngState !== undefined) out.rngState = Buffer.from(m.rngState).toString('base64');
  for (const [k, v] of Object.entries(m)) {
    if (RESERVED.has(k)) continue;
    if (v !== undefined) out[k] = json(k, v);
  }
  return out;
}

function fail(fn: string, path: string, e: unknown): Error {
  const msg = (e as Error).message;
  return new Error(msg.includes(path) ? msg : `${fn}(${path}): ${msg}`, { cause: e });
}

/** encodeCheckpoint(c): the raw tensors (copied out now) and string metadata to write. */
function encodeCheckpoint(ckpt: CheckpointInput): [Map<string, RawTensor>, Record<string, string>] {
  if (ckpt.metadata[FORMAT_KEY] !== undefined) throw new Error(`metadata key '${FORMAT_KEY}' is reserved`);
  const metadata = encodeMetadata(ckpt.metadata);
  const raw = new Map<string, RawTensor>();
  for (const [k, t] of ckpt.tensors) raw.set(k, toRawTensor(t));
  return [raw, metadata];
}

/**
 * saveCheckpointSync(path, {tensors, metadata}): write tensors + JSON metadata to `path` atomically and durably (util/fs
 * writeFileAtomic). Synchronous, so it may run inside tidy; every error message names `path`.
 */
export function saveCheckpointSync(path: string, ckpt: CheckpointInput): void {
  try {
    writeSafetensorsSync(path, ...encodeCheckpoint(ckpt));
  } catch (e) {
    throw fail('saveCheckpointSync', path, e);
  }
}

function parse(key: string, s: string): unknown {
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new Error(`metadata '${key}' is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

const FLOAT16_EXPONENT = 0x7c00;
const BFLOAT16_EXPONENT = 0x7f80;

/** checkFinite(name, raw): throws naming the tensor when a floating-point value is NaN or infinite. */
function checkFinite(name: string, r: RawTensor): void {
  const bytes = r.data.slice(); // aligned copy
  const at = (i: number): string => `tensor '${name}' holds a non-finite value at flat index ${i}`;
  if (r.dtype === 'F32' || r.dtype === 'F64') {
    const values = r.dtype === 'F32' ? new Float32Array(bytes.buffer) : new Float64Array(bytes.buffer);
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) throw new Error(at(i));
  } else if (r.dtype === 'F16' || r.dtype === 'BF16') {
    const exponent = r.dtype === 'F16' ? FLOAT16_EXPONENT : BFLOAT16_EXPONENT;
    const halves = new Uint16Array(bytes.buffer);
    for (let i = 0; i < halves.length; i++) if ((halves[i]! & exponent) === exponent) throw new Error(at(i));
  }
}

/** A checkpoint file named step-<N>.safetensors must hold step N (the run listing goes by the name). */
const STEP_FILE = /(?:^|[\\/])step-(\d+)\.safetensors$/;

/** checkStepOf(path, ckpt): disposes the checkpoint's tensors and throws when its step disagrees with its name. */
function checkStepOf(path: string, ckpt: Checkpoint): void {
  const m = STEP_FILE.exec(path);
  if (m === null || Number(m[1]) === ckpt.step) return;
  for (const t of ckpt.tensors.values()) t.dispose();
  throw new Error(`metadata 'step' is ${ckpt.step} but the file is named for step ${Number(m[1])}`);
}

/** decodeCheckpoint(file): metadata parsed back, tensors created (and disposed again if anything fails). */
function decodeCheckpoint(file: SafetensorsFile): Checkpoint {
  const meta = file.metadata;
  if (meta[FORMAT_KEY] !== FORMAT) {
    throw new Error(
      `not a greedy-infomax checkpoint (metadata '${FORMAT_KEY}' is ${JSON.stringify(meta[FORMAT_KEY])})`,
    );
  }
  if (meta.config === undefined || meta.step === undefined) throw new Error(`metadata lacks 'config' or 'step'`);
  const step = parse('step', meta.step);
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0)
    throw new Error(`metadata 'step' is not a non-negative integer: ${meta.step}`);
  for (const [k, r] of file.tensors) checkFinite(k, r);
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) if (!RESERVED.has(k)) extra[k] = parse(k, v);
  const out: Checkpoint = { tensors: new Map(), config: parse('config', meta.config), step, extra };
  if (meta.rngState !== undefined) out.rngState = new Uint8Array(Buffer.from(meta.rngState, 'base64'));
  try {
    for (const [k, r] of file.tensors) out.tensors.set(k, fromRawTensor(r));
  } catch (e) {
    for (const t of out.tensors.values()) t.dispose();
    throw e;
  }
  return out;
}

/** loadCheckpointSync(path) → {tensors, config, step, rngState?, extra}; every error message names `path`. */
export function loadCheckpointSync(path: string): Checkpoint {
  try {
    const ckpt = decodeCheckpoint(readSafetensorsSync(path));
    checkStepOf(path, ckpt);
    return ckpt;
  } catch (e) {
    throw fail('loadCheckpointSync', path, e);
  }
}
