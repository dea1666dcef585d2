/** The vision half of the paper: image readers and augmentation, the patch-grid ResNet and its modules. */
export * from './model/index.js';
export * as data from './data/index.js';
