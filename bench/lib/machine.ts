/** Machine facts for benchmark reports: the CPU model and the BLAS library libtorch calls. */
import { readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';

/** The CPU model name (/proc/cpuinfo on Linux, else what Node reports). */
export function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line !== undefined) return line.split(':').slice(1).join(':').trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** The BLAS libtorch's gemm calls (Debian: the libblas.so.3 alternative), for the record. */
export function blasLibrary(): string {
  try {
    return realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3');
  } catch {
    return 'unknown';
  }
}
