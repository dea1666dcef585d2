/** The vision model: patch grids, the no-BN pre-activation ResNet, GIM/CPC modules, PixelCNN, supervised heads. */
export { patchGridSize, toPatchGrid, toPatchGridView, fromPatchVectors } from './patches.js';
export {
  paperVisionEncoder,
  TINY_VISION_ENCODER,
  PreActBottleneck,
  EncoderPart,
  stageChannels,
  stageOutputSize,
  checkConfig,
  normGroupsProblem,
  type VisionEncoderConfig,
} from './resnet.js';
export { PatchGridModule, moduleStages } from './grid-module.js';
export { VisionModule, buildVisionModules, type VisionModuleArgs } from './modules.js';
export { PixelCNN, PixelCNNGatedLayer, MaskedConv3x3 } from './pixelcnn.js';
export {
  ClassifierHead,
  SupervisedModule,
  buildSupervisedVisionModules,
  classificationAccuracy,
} from './supervised.js';
export { ObjectiveVisionModule, buildObjectiveVisionModules, type VisionObjectiveArgs } from './objective-modules.js';
