/**
 * Figure 2 of the paper: for a few neurons (channels) of each GIM module, the test-image patches that excite them
 * most. A neuron's response to a patch is its channel of the module's pooled patch encoding (each module sees one
 * patch at a time, so the patch is the neuron's whole receptive field); each image lends at most its best patch.
 */
import type { GradientIsolatedStack } from '../../gim/index.js';
import { imageGrid, type Figure, type GridImage } from '../../report/index.js';
import type { Tensor } from '../../tensor/index.js';
import type { NormStats } from '../../vision/data/index.js';
import { visionFeatures } from './linear-eval.js';

export interface NeuronPatches {
  module: number; // 0-based
  channel: number;
  /** The top patches, best first: image (index into the images scanned: the first of the test split), grid row/column, activation. */
  patches: { image: number; row: number; col: number; activation: number }[];
}

export interface TopPatchesArgs {
  /** Neurons shown per module: the channels whose activation varies most over all test patches. */
  neurons: number;
  /** Patches per neuron. */
  patches: number;
  patch: number;
  patchStride: number;
  featureBatch?: number;
}

/** topPatches(stack, x): for every module, the chosen neurons and the patches of x [N, C, H, W] they respond to most. */
export function topPatches(stack: GradientIsolatedStack, x: Tensor, args: TopPatchesArgs): NeuronPatches[] {
  const layers = stack.modules.map((_, i) => i);
  const maps = visionFeatures(stack, x, layers, {
    grid: true,
    ...(args.featureBatch ? { batchSize: args.featureBatch } : {}),
  });
  const out: NeuronPatches[] = [];
  for (const l of layers) {
    const t = maps.get(l)!;
    const [N, C, gh, gw] = t.shape as [number, number, number, number];
    const v = t.data() as Float32Array; // [N, C, gh, gw]
    t.dispose();
    const G = gh * gw;
    const spread = Array.from({ length: C }, (_, c) => {
      let s = 0;
      let q = 0;
      for (let n = 0; n < N; n++) {
        for (let g = 0; g < G; g++) {
          const y = v[(n * C + c) * G + g]!;
          s += y;
          q += y * y;
        }
      }
      const m = s / (N * G);
      return { c, variance: q / (N * G) - m * m };
    });
    const chosen = spread
      .sort((p, q) => q.variance - p.variance || p.c - q.c)
      .slice(0, args.neurons)
      .map((s) => s.c)
      .sort((p, q) => p - q);
    for (const c of chosen) {
      const best = Array.from({ length: N }, (_, n) => {
        let g0 = 0;
        for (let g = 1; g < G; g++) if (v[(n * C + c) * G + g]! > v[(n * C + c) * G + g0]!) g0 = g;
        return { image: n, row: Math.floor(g0 / gw), col: g0 % gw, activation: v[(n * C + c) * G + g0]! };
      });
      best.sort((p, q) => q.activation - p.activation || p.image - q.image);
      out.push({ module: l, channel: c, patches: best.slice(0, args.patches) });
    }
  }
  return out;
}

/** The pixels of one patch of image n of x, de-normalised to [0, 1] for display. */
function patchPixels(
  x: Float32Array,
  shape: readonly number[],
  at: { image: number; row: number; col: number },
  args: TopPatchesArgs,
  norm: NormStats,
): GridImage {
  const [, C, H, W] = shape as [number, number, number, number];
  const p = args.patch;
  const out = new Float32Array(C * p * p);
  for (let c = 0; c < C; c++) {
    const mean = norm.mean.length === 1 ? norm.mean[0]! : norm.mean[c]!;
    const std = norm.std.length === 1 ? norm.std[0]! : norm.std[c]!;
    for (let y = 0; y < p; y++) {
      for (let xx = 0; xx < p; xx++) {
        const src = ((at.image * C + c) * H + at.row * args.patchStride + y) * W + at.col * args.patchStride + xx;
        out[(c * p + y) * p + xx] = x[src]! * std + mean;
      }
    }
  }
  return { pixels: out, height: p, width: p, channels: C };
}

/** The figure: one row per (module, neuron), its top patches left to right. */
export function topPatchesFigure(
  neurons: readonly NeuronPatches[],
  images: Tensor,
  args: TopPatchesArgs,
  norm: NormStats,
  title: string,
): Figure {
  const x = images.data() as Float32Array;
  return imageGrid({
    title,
    images: neurons.map((n) => n.patches.map((at) => patchPixels(x, images.shape, at, args, norm))),
    rowLabels: neurons.map((n) => `module ${n.module + 1}, neuron ${n.channel}`),
    scale: Math.max(2, Math.round(48 / args.patch)),
    gap: 3,
  });
}
