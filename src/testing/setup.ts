/**
 * vitest setup file (vitest.config.ts setupFiles): runs in each test file's process before the file. Pins libtorch's
 * intra-op threads to GIM_TEST_THREADS, and OMP_NUM_THREADS for child processes, so a run does not depend on the
 * machine's core count. Kernels by instruction set are picked by ATEN_CPU_CAPABILITY (read by libtorch at load).
 */
import { setNumThreads } from '../tensor/index.js';
import { readTestEnv } from './env.js';

const { threads } = readTestEnv();
process.env.OMP_NUM_THREADS = String(threads);
setNumThreads(threads);
