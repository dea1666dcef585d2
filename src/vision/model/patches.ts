/**
 * Patch grids: Greedy InfoMax cuts each image into overlapping patches (16×16, step 8 → a 7×7 grid on 64×64) and folds
 * the patches into the batch, so the ResNet encodes every patch on its own. The grid travels between modules as a 6-D
 * tensor [B, gh, gw, C, h, w] (see modules.ts); these helpers convert between the forms.
 */
import { permute, reshape, unfold, type Tensor } from '../../tensor/index.js';

/** Patches along one side: ⌊(size − patch) / stride⌋ + 1 (trailing pixels that fit no full patch are dropped). */
export function patchGridSize(size: number, patch: number, stride: number): number {
  if (!Number.isInteger(patch) || patch < 1 || !Number.isInteger(stride) || stride < 1) {
    throw new RangeError(`patch grid: patch and stride must be positive integers, got ${patch} and ${stride}`);
  }
  if (size < patch) throw new RangeError(`patch grid: image side ${size} is smaller than the patch ${patch}`);
  return Math.floor((size - patch) / stride) + 1;
}

/**
 * toPatchGridView(x [B, C, H, W]) → [B, gh, gw, C, patch, patch]: patch (i, j) is the crop
 * x[:, :, stride·i : stride·i + patch, stride·j : stride·j + patch].
 */
export function toPatchGridView(x: Tensor, patch: number, stride: number): Tensor {
  if (x.rank !== 4) throw new Error(`toPatchGrid: expected images [B, C, H, W], got [${x.shape.join(', ')}]`);
  const [, , H, W] = x.shape as [number, number, number, number];
  patchGridSize(H, patch, stride);
  patchGridSize(W, patch, stride);
  const rows = unfold(x, 2, patch, stride); // [B, C, gh, W, patch]
  const grid = unfold(rows, 3, patch, stride); // [B, C, gh, gw, patch(rows), patch(cols)]
  return permute(grid, [0, 2, 3, 1, 4, 5]); // [B, gh, gw, C, patch, patch]
}

/** toPatchGrid(x [B, C, H, W]) → [B·gh·gw, C, patch, patch]: patches folded into the batch in row-major grid order. */
export function toPatchGrid(x: Tensor, patch: number, stride: number): Tensor {
  const g = toPatchGridView(x, patch, stride); // [B, gh, gw, C, p, p]
  const [B, gh, gw, C] = g.shape as [number, number, number, number];
  return reshape(g, [B * gh * gw, C, patch, patch]);
}

/** fromPatchVectors(v [B·gh·gw, D], B, gh, gw) → [B, D, gh, gw]: one vector per patch laid back on the grid. */
export function fromPatchVectors(v: Tensor, B: number, gh: number, gw: number): Tensor {
  if (v.rank !== 2 || v.shape[0] !== B * gh * gw) {
    throw new Error(
      `fromPatchVectors: expected [${B * gh * gw}, D] for a ${B}×${gh}×${gw} grid, got [${v.shape.join(', ')}]`,
    );
  }
  return permute(reshape(v, [B, gh, gw, v.shape[1]!]), [0, 3, 1, 2]); // [B, D, gh, gw]
}
