/** Asynchronous module-parallel training: one worker thread per module, bounded queues of detached activations. */
export {
  trainAsync,
  AsyncWorkerError,
  type AsyncBatch,
  type AsyncTrainArgs,
  type AsyncTrainResult,
  type AsyncOutcome,
} from './train.js';
export {
  moduleCheckpointDir,
  listModuleCheckpoints,
  latestModuleCheckpoint,
  restoreModuleCheckpoint,
  restoreAsyncModules,
} from './checkpoints.js';
export { liveModuleWorkers, loadModuleFactory } from './spawn.js';
export type {
  AsyncMetric,
  AsyncModuleSummary,
  FaultInjection,
  MeanMax,
  ModuleFactory,
  ModuleFactorySpec,
} from './protocol.js';
