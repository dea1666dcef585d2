/** Process-wide engine settings: threads, devices, version. */
import { native } from './native.js';

/** Intra-op threads libtorch uses (as torch.set_num_threads). */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
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
