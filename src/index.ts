/** greedy-infomax: Greedy InfoMax (Löwe et al. 2019) in TypeScript over libtorch. */
export * as tensor from './tensor/index.js';
export * as nn from './nn/index.js';
export * as gim from './gim/index.js';
export * as audio from './audio/index.js';
export * as vision from './vision/index.js';
