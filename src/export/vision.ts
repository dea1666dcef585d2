/**
 * The vision encoder as an ONNX graph: images [batch, C, height, width] → the features of module k, what
 * GradientIsolatedStack.features(x, k) gives for it: each patch's encoding averaged to one vector and laid on the
 * patch grid, [batch, C', gh, gw]. The overlapping patches are cut by a Conv with an identity kernel (every weight 0
 * or 1, so the crop is exact) and folded into the batch; CPC's PixelCNN, the InfoNCE heads and classifiers are left out.
 */
import type { PatchGridModule } from '../vision/model/grid-module.js';
import type { PreActBottleneck } from '../vision/model/resnet.js';
import type { GraphBuilder } from './graph.js';
import { conv2dNode } from './layers.js';

export const VISION_INPUT = 'images';
export const VISION_OUTPUT = 'features';

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];
/** The grid sides gh, gw: axes 2 and 3 of the patch conv's output [B, C·p·p, gh, gw]. */
const GRID_AXES = { start: 2, end: 4 };

/** The identity kernel [C·p·p, C, p, p]: output channel c·p·p + i·p + j copies pixel (i, j) of channel c. */
function patchKernel(channels: number, patch: number): Float32Array {
  const perChannel = patch * patch;
  const kernel = new Float32Array(channels * perChannel * channels * perChannel);
  for (let c = 0; c < channels; c++) {
    for (let k = 0; k < perChannel; k++) {
      const out = c * perChannel + k;
      kernel[(out * channels + c) * perChannel + k] = 1;
    }
  }
  return kernel;
}

/** bottleneckNodes(g, block, x [N, in, h, w], name) → [N, out, h', w']: relu, three convs, shortcut, add. */
function bottleneckNodes(g: GraphBuilder, block: PreActBottleneck, x: string, name: string): string {
  const a = g.node('Relu', [x], {}, `${name}.preact`);
  const short = block.shortcut === null ? x : conv2dNode(g, block.shortcut, a, `${name}.shortcut`);
  const h1 = g.node('Relu', [conv2dNode(g, block.conv1, a, `${name}.conv1`)], {}, `${name}.relu1`);
  const h2 = g.node('Relu', [conv2dNode(g, block.conv2, h1, `${name}.conv2`)], {}, `${name}.relu2`);
  return g.node('Add', [conv2dNode(g, block.conv3, h2, `${name}.conv3`), short], {}, `${name}.out`);
}

/** visionEncoderGraph(g, modules, upTo): modules 0..upTo (0-based) into `g`, with its input and output declared. */
export function visionEncoderGraph(g: GraphBuilder, modules: readonly PatchGridModule[], upTo: number): void {
  const { inChannels: channels, patch, patchStride } = modules[0]!.config;
  const images = g.input(VISION_INPUT, ['batch', channels, 'height', 'width']); // [B, C, H, W]
  const kernel = g.float32(
    'patches.kernel',
    [channels * patch * patch, channels, patch, patch],
    patchKernel(channels, patch),
  );
  const cut = g.node(
    'Conv',
    [images, kernel],
    { kernel_shape: [patch, patch], strides: [patchStride, patchStride] },
    'patches',
  ); // [B, C·p·p, gh, gw]
  const grid = g.node('Shape', [cut], GRID_AXES, 'grid_sides'); // [gh, gw]
  const rows = g.node('Transpose', [cut], { perm: NCHW_TO_NHWC }, 'patch_rows'); // [B, gh, gw, C·p·p]
  let h = g.node('Reshape', [rows, g.int64('patch_batch_shape', [-1, channels, patch, patch])], {}, 'patch_batch'); // [B·gh·gw, C, p, p]
  for (let m = 0; m <= upTo; m++) {
    const { encoder } = modules[m]!;
    if (encoder.stem !== null) h = conv2dNode(g, encoder.stem, h, `module${m + 1}.stem`);
    encoder.stageIndices.forEach((s, i) => {
      encoder.stages[i]!.layers.forEach((block, b) => {
        h = bottleneckNodes(g, block as PreActBottleneck, h, `module${m + 1}.layer${s}.${b}`);
      });
    });
  }
  const out = modules[upTo]!.outChannels;
  const pooled = g.node('GlobalAveragePool', [h], {}, 'pooled'); // [B·gh·gw, C', 1, 1]
  const gridShape = g.node(
    'Concat',
    [g.int64('batch_axis', [-1]), grid, g.int64('channels', [out])],
    { axis: 0 },
    'grid_shape',
  );
  const laid = g.node('Reshape', [pooled, gridShape], {}, 'pooled_grid'); // [B, gh, gw, C']
  g.output(g.node('Transpose', [laid], { perm: NHWC_TO_NCHW }, VISION_OUTPUT), [
    'batch',
    out,
    'grid_height',
    'grid_width',
  ]); // [B, C', gh, gw]
}
