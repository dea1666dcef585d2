export * from './metrics.js';
export * from './table.js';
export * from './plot.js';
export * from './grid.js';
export { writeFileAtomic } from '../util/fs.js';
