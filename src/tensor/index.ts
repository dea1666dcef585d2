/** The tensor engine: libtorch from TypeScript. */
export { Tensor, op, opTensor, opInPlace, isDevice, type Device, type OpInput, type OpOutput } from './tensor.js';
export { type DType, isFloating } from './dtype.js';
export { tidy, keep, liveTensors, type Disposable } from './scope.js';
export { noGrad, isGradEnabled } from './autograd.js';
export {
  setNumThreads,
  getNumThreads,
  cudaAvailable,
  cudaDeviceCount,
  libtorchVersion,
  memoryPolicy,
  schemaOf,
  type MemoryPolicy,
} from './runtime.js';
export { profileOps, formatOpTimes, type OpTime } from './profile.js';
export * from './ops/creation.js';
export * from './ops/random.js';
export * from './ops/elementwise.js';
export * from './ops/linalg.js';
export * from './ops/conv.js';
export * from './ops/rnn.js';
export * from './ops/pool.js';
export * from './ops/reduce.js';
export * from './ops/softmax.js';
export * from './ops/norm.js';
export * from './ops/shape.js';
export { adamStep, type AdamHyper } from './optim.js';
export * from './checkpoint.js';
export {
  TcpStore,
  ProcessGroup,
  ncclAvailable,
  type TcpStoreArgs,
  type ProcessGroupArgs,
  type GlooDevice,
  type Work,
} from './c10d.js';
export { countFlops, FlopCounter, type FlopKind } from './flops.js';
