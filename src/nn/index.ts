/** Neural-network layers, initialisation, the Adam optimizer and state packing, over src/tensor. */
export { Module, type LoadStateDictArgs, type LoadStateDictResult } from './module.js';
export { fans, leakyReluGain, uniform, kaimingUniformBound, kaimingUniform, biasBound, uniformBias } from './init.js';
export { Linear, type LinearArgs } from './linear.js';
export { Conv1d, Conv2d, type Conv1dArgs, type Conv2dArgs } from './conv.js';
export { GRU, GRUCell, type GRUArgs, type GRUCellArgs } from './gru.js';
export { Sequential, ReLU, type Layer } from './sequential.js';
export { GroupNorm } from './group-norm.js';
export { Adam, type AdamArgs, type AdamState, type AdamHyper } from './adam.js';
export { moduleAndOptimizerState, restoreModuleAndOptimizer, type RestoreArgs } from './state.js';
