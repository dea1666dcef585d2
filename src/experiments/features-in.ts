/**
 * Reading back what `gim embed` writes (features-out.ts): .jsonl ({"path", "shape", "features"} per line),
 * .safetensors (a `features` tensor [N, …] or `features.<i>` per row, the paths in its metadata) and .npy (float32,
 * C order, with `<file>.paths.txt`). Every error names the file, and the line for .jsonl.
 */
import fs from 'node:fs';
import { readSafetensorsSync, type RawTensor } from '../tensor/safetensors.js';
import { featureFormatOf, type FeatureRow } from './features-out.js';

/** The magic string and version 1.0 that start an .npy file. */
const NPY_HEADER = Buffer.from([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0]);
const NPY_PREAMBLE_BYTES = 10;

/** A float32 little-endian tensor's values (copied into an aligned buffer of their own). */
function float32(tensor: RawTensor, file: string, name: string): Float32Array {
  if (tensor.dtype !== 'F32') throw new Error(`${file}: tensor '${name}' is ${tensor.dtype}, expected F32`);
  return new Float32Array(new Uint8Array(tensor.data).buffer);
}

function readJsonl(file: string): FeatureRow[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  return lines.flatMap((line, i) => {
    if (line.trim() === '') return [];
    let row: { path?: unknown; shape?: unknown; features?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch (err) {
      throw new Error(`${file}:${i + 1}: not JSON: ${(err as Error).message}`, { cause: err });
    }
    const { path, features } = row;
    const shape = row.shape ?? (Array.isArray(features) ? [features.length] : undefined);
    const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');
    if (typeof path !== 'string' || !numbers(features) || !numbers(shape)) {
      throw new Error(`${file}:${i + 1}: expected {"path": string, "features": [numbers], "shape"?: [numbers]}`);
    }
    if (shape.reduce((a, b) => a * b, 1) !== features.length) {
      throw new Error(`${file}:${i + 1}: shape [${shape.join(', ')}] does not hold ${features.length} values`);
    }
    return [{ path, shape, values: Float32Array.from(features) }];
  });
}

function readSafetensors(file: string): FeatureRow[] {
  const { tensors, metadata } = readSafetensorsSync(file);
  const paths = JSON.parse(metadata.paths ?? 'null') as unknown;
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
    throw new Error(`${file}: no list of paths in its metadata (not written by gim embed?)`);
  }
  const stacked = tensors.get('features');
  if (stacked !== undefined) {
    const [n, ...shape] = stacked.shape;
    if (n !== paths.length) throw new Error(`${file}: ${n} rows of features for ${paths.length} paths`);
    const all = float32(stacked, file, 'features');
    const width = shape.reduce((a, b) => a * b, 1);
    return paths.map((path, i) => ({ path, shape, values: all.slice(i * width, (i + 1) * width) }));
  }
  return paths.map((path, i) => {
    const tensor = tensors.get(`features.${i}`);
    if (tensor === undefined) throw new Error(`${file}: no tensor 'features' or 'features.${i}'`);
    return { path, shape: tensor.shape, values: float32(tensor, file, `features.${i}`) };
  });
}

function readNpy(file: string): FeatureRow[] {
  const bytes = fs.readFileSync(file);
  if (!bytes.subarray(0, NPY_HEADER.length).equals(NPY_HEADER)) throw new Error(`${file}: not an .npy file (1.0)`);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(NPY_PREAMBLE_BYTES, NPY_PREAMBLE_BYTES + headerLength).toString('latin1');
  const shapeText = /'shape': \(([\d, ]*)\)/.exec(header)?.[1];
  if (!header.includes("'descr': '<f4'") || !header.includes("'fortran_order': False") || shapeText === undefined) {
    throw new Error(`${file}: expected little-endian float32 in C order, got the header ${header.trim()}`);
  }
  const [n, ...shape] = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const pathsFile = `${file}.paths.txt`;
  if (!fs.existsSync(pathsFile)) throw new Error(`${pathsFile}: missing (gim embed writes the paths there)`);
  const paths = fs
    .readFileSync(pathsFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  if (n !== paths.length) throw new Error(`${file}: ${n} rows of features for ${paths.length} paths in ${pathsFile}`);
  const all = new Float32Array(new Uint8Array(bytes.subarray(NPY_PREAMBLE_BYTES + headerLength)).buffer);
  const width = shape.reduce((a, b) => a * b, 1);
  if (all.length !== n * width) throw new Error(`${file}: ${all.length} values, the header says ${n}×${width}`);
  return paths.map((path, i) => ({ path, shape, values: all.slice(i * width, (i + 1) * width) }));
}

/** readFeatures(file): the rows of a `gim embed` output, by its extension; errors name the file. */
export function readFeatures(file: string): FeatureRow[] {
  const format = featureFormatOf(file);
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new Error(`${file}: no such file`);
  if (format === '.jsonl') return readJsonl(file);
  if (format === '.npy') return readNpy(file);
  return readSafetensors(file);
}
