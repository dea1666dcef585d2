/** greedy-infomax: Greedy InfoMax (Löwe et al. 2019) in TypeScript over libtorch. */
export * as tensor from './tensor/index.js';
export * as nn from './nn/index.js';
export * as gim from './gim/index.js';
export * as audio from './audio/index.js';
export * as vision from './vision/index.js';
/** The seeded generator that data transforms (e.g. `vision.makeBatch`) draw from, and the seed mixer for streams. */
export { Rng, mixSeed } from './util/rng.js';
/** A trained run's encoder as an ONNX file (`gim export`). */
export { exportOnnx, type ExportOnnxArgs, type ExportOnnxResult } from './export/onnx.js';
