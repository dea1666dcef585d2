/** Greedy InfoMax: gradient-isolated modules, each trained by its own local loss (InfoNCE, DIM, Predsim, CLAPP, …). */
export { infoNCE, infoNCEGrid, type InfoNCEArgs, type InfoNCEResult } from './infonce.js';
export { sampleNegatives, type NegativeIndices, type SampleNegativesArgs } from './negatives.js';
export { InfoNCEHead, PredictiveHead, type InfoNCEHeadArgs, type InfoNCEForm } from './head.js';
export {
  LocalObjective,
  localObjectives,
  labelledObjectives,
  encodingForms,
  pooledEncoding,
  type LocalObjectiveName,
  type EncodingForm,
  type ObjectiveInputs,
  type ObjectiveResult,
} from './objective.js';
export { localObjective, DIM_OBJECTIVE_DEFAULTS, type LocalObjectiveArgs } from './objectives.js';
export { CLAPPHead, clapp, type CLAPPArgs } from './clapp.js';
export {
  DeepInfoMax,
  dimScoreLoss,
  dimEstimators,
  DIM_DEFAULTS,
  type DeepInfoMaxArgs,
  type DimEstimator,
} from './dim.js';
export { Predsim, PREDSIM_BETA, cosineSimilarityMatrix, similarityMatchingLoss, type PredsimArgs } from './predsim.js';
export { SupervisedObjective, labelAccuracy, type ClassifierArgs } from './classifier.js';
export { LocalModule, type LocalModuleArgs, type Encoder as LocalEncoder } from './local-module.js';
export { GimModule, type ModuleStep } from './module.js';
export {
  GradientIsolatedStack,
  NonFiniteLossError,
  type StepMode,
  type TrainStepArgs,
  type StepMetrics,
  type GradientStep,
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
export {
  DataParallel,
  ReplicaStepError,
  DEFAULT_BUCKET_BYTES,
  type DataParallelArgs,
} from './training/data-parallel.js';
