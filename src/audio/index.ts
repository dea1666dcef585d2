/** The audio half of the paper: data readers, the CPC/GIM audio model, MFCC features. */
export * from './model.js';
export * from './mfcc.js';
export * from './batches.js';
export * as data from './data/index.js';
