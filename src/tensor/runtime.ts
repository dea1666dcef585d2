/** Process-wide engine settings: threads, devices, version, how freed memory is kept. */
import { integerIn } from '../util/check.js';
import { native } from './native.js';

/** The most threads setNumThreads accepts (libtorch takes an int). */
const MAX_THREADS = 2 ** 31 - 1;

/** Intra-op threads libtorch uses (as torch.set_num_threads). */
export function setNumThreads(n: number): void {
  native.setNumThreads(integerIn('setNumThreads', 'n', n, 1, MAX_THREADS));
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/** Number of CUDA devices this libtorch build sees (0 on a CPU build). */
export function cudaDeviceCount(): number {
  return native.cudaDeviceCount();
}

export function cudaAvailable(): boolean {
  return native.cudaDeviceCount() > 0;
}

/** The libtorch version the addon was built against. */
export function libtorchVersion(): string {
  return native.version();
}

/** The full schema of an ATen operator, e.g. schemaOf('aten::conv2d'). */
export function schemaOf(name: string, overload = ''): string {
  return native.schema(name, overload);
}

/**
 * How the addon set up glibc's malloc when it loaded (native/src/memory_policy.cc): 'keep-freed' (every block from the
 * heap, freed memory kept for the next allocation instead of handed back to the kernel), 'user' (left alone: a MALLOC_*
 * tuning variable or GIM_KEEP_FREED_MEMORY=0 was set), 'not-glibc' or 'refused' (mallopt declined).
 */
export type MemoryPolicy = 'keep-freed' | 'user' | 'not-glibc' | 'refused';

export function memoryPolicy(): MemoryPolicy {
  return native.memoryPolicy() as MemoryPolicy;
}
