/**
 * The audio encoder as an ONNX graph: raw audio [batch, 1, samples] → the features of module k, what
 * GradientIsolatedStack.features(x, k) gives for it: the conv modules' encodings in time-major layout [batch, frames, C],
 * or the GRU's context [batch, frames, H] for the module that holds it. InfoNCE heads and classifiers are left out.
 */
import type { AudioModule } from '../audio/model.js';
import type { GraphBuilder } from './graph.js';
import { conv1dNode, gruNode } from './layers.js';

/** Names of the audio graph's input and output and of its dynamic axes. */
export const AUDIO_INPUT = 'audio';
export const AUDIO_OUTPUT = 'features';

/** Time-major [B, C, T] ↔ [T, B, C] permutations around ONNX's GRU, and to the features' [B, T, ·]. */
const CHANNELS_TO_SEQUENCE = [2, 0, 1];
const SEQUENCE_TO_BATCH = [1, 0, 2];
const CHANNELS_TO_BATCH = [0, 2, 1];

/** audioEncoderGraph(g, modules, upTo): modules 0..upTo (0-based) into `g`, with its input and output declared. */
export function audioEncoderGraph(g: GraphBuilder, modules: readonly AudioModule[], upTo: number): void {
  let h = g.input(AUDIO_INPUT, ['batch', 1, 'samples']); // [B, 1, samples]
  for (let m = 0; m <= upTo; m++) {
    const module = modules[m]!;
    module.layers.convs.forEach((layer, j) => {
      const conv = conv1dNode(g, module.convs[j]!, h, `module${m + 1}.conv${layer + 1}`); // [B, C, T']
      h = g.node('Relu', [conv], {}, `module${m + 1}.relu${layer + 1}`);
    });
  }
  const last = modules[upTo]!;
  const weights = last.gru?.layers[0] ?? last.cell?.weights ?? null;
  let features: string;
  if (weights === null) {
    features = g.node('Transpose', [h], { perm: CHANNELS_TO_BATCH }, AUDIO_OUTPUT); // [B, T, C]
  } else {
    const sequence = g.node('Transpose', [h], { perm: CHANNELS_TO_SEQUENCE }, `module${upTo + 1}.gru_input`); // [T, B, C]
    const c = gruNode(g, weights, last.config.hidden, sequence, `module${upTo + 1}.gru`); // [T, B, H]
    features = g.node('Transpose', [c], { perm: SEQUENCE_TO_BATCH }, AUDIO_OUTPUT); // [B, T, H]
  }
  g.output(features, ['batch', 'frames', last.outputSize]);
}
