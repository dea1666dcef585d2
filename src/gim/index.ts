/** Greedy InfoMax: gradient-isolated modules, each trained by its own InfoNCE loss. */
export { infoNCE, infoNCEGrid, type InfoNCEArgs, type InfoNCEResult } from './infonce.js';
export { sampleNegatives, type NegativeIndices, type SampleNegativesArgs } from './negatives.js';
export { InfoNCEHead, type InfoNCEHeadArgs, type InfoNCEForm } from './head.js';
export { GimModule, type ModuleStep } from './module.js';
export {
  GradientIsolatedStack,
  NonFiniteLossError,
  type StepMode,
  type TrainStepArgs,
  type StepMetrics,
} from './stack.js';
export { stackState, restoreStack } from './state.js';
export { ActivationCache, type ActivationCacheArgs, type CacheIndex, type DiskEntry } from './cache.js';
export {
  trainIterativeCached,
  type BatchSource,
  type DataBatch,
  type CachedUpdate,
  type IterativeCachedArgs,
  type IterativeCachedResult,
} from './iterative-cached.js';
export {
  LinearProbe,
  trainLinearProbe,
  fitLinearProbe,
  probeAccuracy,
  LR_DROP_FACTOR,
  type ConvergenceArgs,
  type FittedProbe,
  type FeatureSet,
  type LinearProbeArgs,
  type ProbePooling,
} from './probe.js';
export {
  train,
  strategyFor,
  RESUMABLE_KEYS,
  type TrainArgs,
  type TrainRunArgs,
  type TrainResult,
  type TrainOutcome,
} from './training/trainer.js';
export {
  trainingModes,
  type TrainingMode,
  type TrainingConfig,
  type TrainingTask,
  type TrainBatch,
  type TrainingStrategy,
  type TrainingSession,
} from './training/strategy.js';
