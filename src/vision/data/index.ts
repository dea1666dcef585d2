/** Vision data: readers for IDX (Fashion-MNIST), CIFAR-10 and STL-10 binaries, datasets, augmentation, batching. */
export * from './types.js';
export * from './idx.js';
export * from './cifar.js';
export * from './stl10.js';
export * from './augment.js';
export * from './dataset.js';
export * from './image-file.js';
