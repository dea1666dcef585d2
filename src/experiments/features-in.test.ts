/** readFeatures reads back every format writeFeatures writes (gim embed's outputs); bad files are named. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFeatures } from './features-in.js';
import { writeFeatures, type FeatureRow } from './features-out.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-features-in-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const rows: FeatureRow[] = [
  { path: 'gallery/a/1.png', values: new Float32Array([0.5, -1.25, 3, 1e-3, 2.5e6, -7]), shape: [2, 3] },
  { path: 'gallery/b/2.png', values: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] },
];

describe('readFeatures', () => {
  it('reads back .jsonl, .safetensors and .npy as written (paths, shapes, float32 values)', () => {
    for (const ext of ['.jsonl', '.safetensors', '.npy']) {
      const out = path.join(tmp, `f${ext}`);
      writeFeatures({ out, rows });
      const read = readFeatures(out);
      expect(read.map((r) => [r.path, [...r.shape], [...r.values]])).toEqual(
        rows.map((r) => [r.path, [...r.shape], [...r.values]]),
      );
    }
  });

  it('rows of different shapes (.safetensors features.<i>, .jsonl)', () => {
    const ragged = [rows[0]!, { path: 'c.wav', values: new Float32Array([9, 8]), shape: [1, 2] }];
    for (const ext of ['.jsonl', '.safetensors']) {
      const out = path.join(tmp, `ragged${ext}`);
      writeFeatures({ out, rows: ragged });
      expect(readFeatures(out).map((r) => [...r.shape])).toEqual([
        [2, 3],
        [1, 2],
      ]);
    }
  });

  it('errors name the file (and the line of a .jsonl)', () => {
    const bad = path.join(tmp, 'bad.jsonl');
    fs.writeFileSync(bad, '{"path": "a.png", "features": [1, 2]}\n{"path": 3}\n');
    expect(() => readFeatures(bad)).toThrow(`${bad}:2: expected {"path": string`);
    fs.writeFileSync(bad, 'nope\n');
    expect(() => readFeatures(bad)).toThrow(`${bad}:1: not JSON`);
    expect(() => readFeatures(path.join(tmp, 'absent.jsonl'))).toThrow('absent.jsonl: no such file');
    expect(() => readFeatures(path.join(tmp, 'f.csv'))).toThrow('must end in .safetensors, .npy, .jsonl');
    const npy = path.join(tmp, 'lonely.npy');
    fs.copyFileSync(path.join(tmp, 'f.npy'), npy);
    expect(() => readFeatures(npy)).toThrow(`${npy}.paths.txt: missing`);
  });
});
