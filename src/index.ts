/** greedy-infomax: Greedy InfoMax (Löwe et al. 2019) in TypeScript over libtorch. */
export * as tensor from './tensor/index.js';
export * as nn from './nn/index.js';
export * as gim from './gim/index.js';
export * as audio from './audio/index.js';
export * as vision from './vision/index.js';
/** The seeded generator that data transforms (e.g. `vision.makeBatch`) draw from, and the seed mixer for streams. */
export { Rng, mixSeed } from './util/rng.js';
/** A trained encoder outside the trainer (a run folder or a packed model): `loadEncoder({ run }).embed(x)`, `gim embed`. */
export {
  loadEncoder,
  type Encoder,
  type EmbedArgs,
  type EmbeddedRow,
  type LoadEncoderArgs,
  type Pool,
} from './experiments/encoder.js';
/** `gim pack`: a run as one shareable file (config, weights without optimizer state, model card). */
export { packRun, unpackModel, type ModelCard, type PackRunArgs } from './experiments/pack.js';
/** A trained run's encoder as an ONNX file (`gim export`). */
export { exportOnnx, type ExportOnnxArgs, type ExportOnnxResult } from './export/onnx.js';
