/**
 * The files `gim embed` writes, one row per input: .safetensors (a `features` tensor [N, …] and the paths as a JSON
 * list in its metadata; rows of different shapes as `features.<i>`), .npy (float32, C order, [N, …], as numpy's
 * np.save writes it, with the paths in `<out>.paths.txt`) and .jsonl (one {"path", "features"} object per line).
 * Written atomically; an existing file is replaced only when asked.
 */
import fs from 'node:fs';
import { encodeSafetensors, type RawTensor } from '../tensor/safetensors.js';
import { writeFileAtomic } from '../util/fs.js';

export const FEATURE_FORMATS = ['.safetensors', '.npy', '.jsonl'] as const;
export type FeatureFormat = (typeof FEATURE_FORMATS)[number];

/** One row: the input's path and its features (row-major) with their shape. */
export interface FeatureRow {
  path: string;
  values: Float32Array;
  shape: readonly number[];
}

const NPY_MAGIC = [0x93, ...Buffer.from('NUMPY', 'latin1')];
const NPY_VERSION = [1, 0];
/** numpy pads the header so the data start on a multiple of this many bytes. */
const NPY_ALIGN = 64;
const NPY_PREAMBLE_BYTES = NPY_MAGIC.length + NPY_VERSION.length + 2;

/** The format an --out path asks for, from its extension. */
export function featureFormatOf(out: string): FeatureFormat {
  const format = FEATURE_FORMATS.find((ext) => out.toLowerCase().endsWith(ext));
  if (format === undefined) throw new Error(`--out ${out}: the file must end in ${FEATURE_FORMATS.join(', ')}`);
  return format;
}

/** encodeNpy(values, shape): an .npy file (format 1.0, little-endian float32, C order), byte for byte as np.save. */
export function encodeNpy(values: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== values.length)
    throw new Error(`encodeNpy: shape [${shape.join(', ')}] holds ${count} values, got ${values.length}`);
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${dims}, }`;
  const unpadded = NPY_PREAMBLE_BYTES + dict.length + 1;
  const padding = (NPY_ALIGN - (unpadded % NPY_ALIGN)) % NPY_ALIGN;
  const header = `${dict}${' '.repeat(padding)}\n`;
  const out = new Uint8Array(NPY_PREAMBLE_BYTES + header.length + values.byteLength);
  out.set([...NPY_MAGIC, ...NPY_VERSION]);
  new DataView(out.buffer).setUint16(NPY_MAGIC.length + NPY_VERSION.length, header.length, true);
  out.set(Buffer.from(header, 'latin1'), NPY_PREAMBLE_BYTES);
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), NPY_PREAMBLE_BYTES + header.length);
  return out;
}

/** The shape every row shares, or null when they differ. */
function commonShape(rows: readonly FeatureRow[]): readonly number[] | null {
  const first = rows[0]?.shape ?? [0];
  return rows.every((r) => r.shape.join(',') === first.join(',')) ? first : null;
}

/** All rows back to back as one Float32Array. */
function stacked(rows: readonly FeatureRow[]): Float32Array {
  const out = new Float32Array(rows.reduce((n, r) => n + r.values.length, 0));
  let at = 0;
  for (const r of rows) {
    out.set(r.values, at);
    at += r.values.length;
  }
  return out;
}

const raw = (values: Float32Array, shape: readonly number[]): RawTensor => ({
  dtype: 'F32',
  shape: [...shape],
  data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
});

export interface WriteFeaturesArgs {
  out: string;
  rows: readonly FeatureRow[];
  /** Replace an existing --out (and its .paths.txt). */
  overwrite?: boolean;
  /** Extra metadata for .safetensors (string values). */
  metadata?: Record<string, string>;
}

/** The files writeFeatures writes for `out`: itself, and for .npy its paths sidecar. */
export function featureFiles(out: string): string[] {
  return featureFormatOf(out) === '.npy' ? [out, `${out}.paths.txt`] : [out];
}

/** Refuse (naming the file) when an output already exists and overwrite is not set. */
export function checkOutputFree(out: string, overwrite = false): void {
  if (overwrite) return;
  for (const file of featureFiles(out)) {
    if (fs.existsSync(file)) throw new Error(`${file}: exists (pass --overwrite to replace it)`);
  }
}

/** writeFeatures(args): write the rows in the format of args.out's extension; returns the files written. */
export function writeFeatures(args: WriteFeaturesArgs): string[] {
  const { out, rows } = args;
  const format = featureFormatOf(out);
  checkOutputFree(out, args.overwrite);
  const shape = commonShape(rows);
  const paths = rows.map((r) => r.path);
  if (format === '.jsonl') {
    const lines = rows.map((r) => JSON.stringify({ path: r.path, shape: r.shape, features: Array.from(r.values) }));
    writeFileAtomic(out, lines.map((line) => `${line}\n`).join(''));
    return [out];
  }
  if (format === '.npy') {
    if (shape === null) {
      throw new Error(
        `--out ${out}: rows of different shapes (--pool none on clips of different lengths) need .safetensors or .jsonl`,
      );
    }
    writeFileAtomic(`${out}.paths.txt`, paths.map((p) => `${p}\n`).join(''));
    writeFileAtomic(out, encodeNpy(stacked(rows), [rows.length, ...shape]));
    return [out, `${out}.paths.txt`];
  }
  const tensors: Record<string, RawTensor> =
    shape !== null
      ? { features: raw(stacked(rows), [rows.length, ...shape]) }
      : Object.fromEntries(rows.map((r, i) => [`features.${i}`, raw(r.values, r.shape)]));
  writeFileAtomic(out, encodeSafetensors(tensors, { ...args.metadata, paths: JSON.stringify(paths) }));
  return [out];
}
