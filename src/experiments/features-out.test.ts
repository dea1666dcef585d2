/** The files gim embed writes: .npy byte for byte as numpy's np.save, .safetensors with paths, .jsonl, no overwrite. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { readSafetensorsSync } from '../tensor/safetensors.js';
import { encodeNpy, featureFormatOf, writeFeatures } from './features-out.js';

const FIXTURE = new URL('./fixtures/features-2x3.npy', import.meta.url).pathname;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-features-out-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The values scripts/make-npy-fixture.py saves. */
const VALUES = new Float32Array([0.5, -1.25, 3.0, 1e-3, 2.5e6, -0.0]);
const rows = [
  { path: 'a.flac', values: VALUES.subarray(0, 3), shape: [3] },
  { path: 'b.wav', values: VALUES.subarray(3, 6), shape: [3] },
];

describe('features files', () => {
  it('.npy equals the file numpy wrote (np.save of a 2×3 float32 array), byte for byte', () => {
    expect(Buffer.from(encodeNpy(VALUES, [2, 3]))).toEqual(fs.readFileSync(FIXTURE));
    const out = path.join(tmp, 'f.npy');
    expect(writeFeatures({ out, rows })).toEqual([out, `${out}.paths.txt`]);
    expect(fs.readFileSync(out)).toEqual(fs.readFileSync(FIXTURE));
    expect(fs.readFileSync(`${out}.paths.txt`, 'utf8')).toBe('a.flac\nb.wav\n');
  });

  it('.npy headers stay 64-byte aligned for other shapes (1-D shapes written as numpy does)', () => {
    for (const shape of [[6], [1, 2, 3], [123456, 0]]) {
      const count = shape.reduce((a, b) => a * b, 1);
      const bytes = encodeNpy(new Float32Array(count), shape);
      const headerLength = Buffer.from(bytes).readUInt16LE(8);
      expect((10 + headerLength) % 64).toBe(0);
      const header = Buffer.from(bytes.subarray(10, 10 + headerLength)).toString('latin1');
      expect(header).toContain(`'shape': ${shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`}`);
    }
  });

  it('.safetensors holds [N, D] features and the paths in its metadata; .jsonl one object per line', () => {
    const st = path.join(tmp, 'f.safetensors');
    writeFeatures({ out: st, rows });
    const file = readSafetensorsSync(st);
    expect(file.tensors.get('features')?.shape).toEqual([2, 3]);
    expect(JSON.parse(file.metadata.paths!)).toEqual(['a.flac', 'b.wav']);
    const jl = path.join(tmp, 'f.jsonl');
    writeFeatures({ out: jl, rows });
    const lines = fs
      .readFileSync(jl, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { path: string; features: number[] });
    expect(lines.map((l) => l.path)).toEqual(['a.flac', 'b.wav']);
    expect(lines[0]!.features).toEqual([0.5, -1.25, 3]);
  });

  it('refuses to overwrite unless asked, and unknown extensions', () => {
    const out = path.join(tmp, 'keep.npy');
    fs.writeFileSync(out, 'mine');
    expect(() => writeFeatures({ out, rows })).toThrow(`${out}: exists (pass --overwrite to replace it)`);
    expect(fs.readFileSync(out, 'utf8')).toBe('mine');
    writeFeatures({ out, rows, overwrite: true });
    expect(fs.readFileSync(out)).toEqual(fs.readFileSync(FIXTURE));
    expect(() => featureFormatOf('x.csv')).toThrow('--out x.csv: the file must end in .safetensors, .npy, .jsonl');
    const ragged = [rows[0]!, { path: 'c', values: VALUES, shape: [2, 3] }];
    expect(() => writeFeatures({ out: path.join(tmp, 'r.npy'), rows: ragged })).toThrow(/different shapes/);
    writeFeatures({ out: path.join(tmp, 'r.safetensors'), rows: ragged });
    expect([...readSafetensorsSync(path.join(tmp, 'r.safetensors')).tensors.keys()].sort()).toEqual([
      'features.0',
      'features.1',
    ]);
  });
});
