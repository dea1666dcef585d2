import { describe, expect, it } from 'vitest';
import { arange, narrow, randn, reshape, squeeze, type Tensor } from '../../tensor/index.js';
import { fromPatchVectors, patchGridSize, toPatchGrid } from './patches.js';

/** x[b, :, stride·i : stride·i + p, stride·j : stride·j + p] */
const crop = (x: Tensor, b: number, i: number, j: number, p: number, s: number): number[] =>
  narrow(narrow(narrow(x, 0, b, 1), 2, s * i, p), 3, s * j, p).toArray();

describe('patch grid', () => {
  it('64×64, 16×16 patches with stride 8: a 7×7 grid, patch (i, j) is the crop at (8i, 8j), row-major', () => {
    const [B, C] = [2, 3];
    const x = reshape(arange(B * C * 64 * 64, undefined, 1, { dtype: 'float32' }), [B, C, 64, 64]);
    const p = toPatchGrid(x, 16, 8);
    expect(p.shape).toEqual([B * 49, C, 16, 16]);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < 7; i++)
        for (let j = 0; j < 7; j++) {
          expect(narrow(p, 0, b * 49 + i * 7 + j, 1).toArray()).toEqual(crop(x, b, i, j, 16, 8));
        }
  });

  it('small case: 5×7 image, 3×3 patches, stride 2 → 2×3 grid (trailing pixels dropped)', () => {
    const x = reshape(arange(35, undefined, 1, { dtype: 'float32' }), [1, 1, 5, 7]);
    expect([patchGridSize(5, 3, 2), patchGridSize(7, 3, 2)]).toEqual([2, 3]);
    const p = toPatchGrid(x, 3, 2);
    expect(p.shape).toEqual([6, 1, 3, 3]);
    expect(squeeze(narrow(p, 0, 4, 1)).toArray()).toEqual([16, 17, 18, 23, 24, 25, 30, 31, 32]); // patch (1, 1)
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) expect(narrow(p, 0, i * 3 + j, 1).toArray()).toEqual(crop(x, 0, i, j, 3, 2));
  });

  it('a patch as large as the image: a 1×1 grid holding the whole image, whatever the stride', () => {
    const x = randn([2, 1, 32, 32]);
    for (const stride of [1, 4, 32]) {
      expect(patchGridSize(32, 32, stride)).toBe(1);
      const p = toPatchGrid(x, 32, stride);
      expect(p.shape).toEqual([2, 1, 32, 32]);
      expect(p.toArray()).toEqual(x.toArray());
    }
  });

  it('fromPatchVectors lays the vector of patch b·gh·gw + i·gw + j at [b, :, i, j]', () => {
    const [B, gh, gw, D] = [2, 3, 4, 5];
    const v = randn([B * gh * gw, D]);
    const g = fromPatchVectors(v, B, gh, gw);
    expect(g.shape).toEqual([B, D, gh, gw]);
    const gv = g.toArray();
    const vv = v.toArray();
    for (let b = 0; b < B; b++)
      for (let i = 0; i < gh; i++)
        for (let j = 0; j < gw; j++)
          for (let d = 0; d < D; d++) {
            expect(gv[((b * D + d) * gh + i) * gw + j]).toBe(vv[(b * gh * gw + i * gw + j) * D + d]);
          }
  });

  it('round trip: each patch flattened to a vector and laid back on the grid recovers the image pixels', () => {
    const x = randn([2, 1, 64, 64]);
    const p = toPatchGrid(x, 16, 8); // [98, 1, 16, 16]
    const g = fromPatchVectors(reshape(p, [98, 256]), 2, 7, 7); // [2, 256, 7, 7]: pixel d of each patch
    // pixel (r, c) of patch (i, j) is x[8i + r, 8j + c]
    const xs = x.toArray();
    const gs = g.toArray();
    for (const [b, i, j, r, c] of [
      [0, 0, 0, 0, 0],
      [1, 6, 6, 15, 15],
      [1, 3, 5, 7, 2],
    ] as const) {
      expect(gs[((b * 256 + r * 16 + c) * 7 + i) * 7 + j]).toBe(xs[(b * 64 + 8 * i + r) * 64 + 8 * j + c]);
    }
  });

  it('rejects images smaller than a patch and bad input ranks', () => {
    expect(() => patchGridSize(8, 16, 8)).toThrow(/smaller than the patch/);
    expect(() => toPatchGrid(randn([1, 64, 64]), 16, 8)).toThrow(/\[B, C, H, W\]/);
    expect(() => fromPatchVectors(randn([10, 3]), 1, 3, 3)).toThrow(/fromPatchVectors/);
  });
});
