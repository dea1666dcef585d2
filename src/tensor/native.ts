/** The gim_native addon (native/src): the thinnest typed bridge to libtorch. Only src/tensor imports this. */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** An opaque handle owning one at::Tensor reference. */
export type TensorHandle = { readonly __tensorHandle: unique symbol };

/** A JS value the dispatcher converts by the operator's schema. */
export type OpArg = TensorHandle | number | boolean | string | null | undefined | OpArg[];
export type OpResult = TensorHandle | number | boolean | null | OpResult[];

/** Opaque handles of c10d objects (native/src/distributed.cc). */
export type C10dStoreHandle = { readonly __c10dStore: unique symbol };
export type C10dGroupHandle = { readonly __c10dGroup: unique symbol };
export type C10dWorkHandle = { readonly __c10dWork: unique symbol };

export interface NativeBinding {
  callOp(name: string, overload: string, args: OpArg[]): OpResult;
  schema(name: string, overload: string): string;
  dispose(h: TensorHandle): void;
  isDisposed(h: TensorHandle): boolean;
  liveTensors(): number;
  fromBuffer(data: ArrayBufferView, shape: number[], scalarType: number): TensorHandle;
  toBuffer(h: TensorHandle): ArrayBuffer;
  meta(h: TensorHandle): [number[], number, string, boolean];
  sameStorage(a: TensorHandle, b: TensorHandle): boolean;
  backward(h: TensorHandle, gradient: TensorHandle | null, retainGraph: boolean): void;
  grad(h: TensorHandle): TensorHandle | null;
  zeroGrad(h: TensorHandle): void;
  setRequiresGrad(h: TensorHandle, on: boolean): void;
  setData(dst: TensorHandle, src: TensorHandle): void;
  setGradEnabled(on: boolean): boolean;
  isGradEnabled(): boolean;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  cudaDeviceCount(): number;
  manualSeed(seed: number): void;
  getRngState(): Uint8Array;
  setRngState(state: Uint8Array): void;
  version(): string;
  memoryPolicy(): string;
  adamStep(
    params: TensorHandle[],
    expAvg: TensorHandle[],
    expAvgSq: TensorHandle[],
    step: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
  ): void;
  profileStart(): void;
  profileStop(): { name: string; count: number; totalMs: number; selfMs: number }[];
  c10dStoreCreate(
    host: string,
    port: number,
    worldSize: number,
    isMaster: boolean,
    timeoutMs: number,
    what: string,
  ): C10dStoreHandle;
  c10dStorePort(h: C10dStoreHandle): number;
  c10dStoreSet(h: C10dStoreHandle, key: string, value: string): void;
  c10dStoreGet(h: C10dStoreHandle, key: string): string;
  c10dStoreWait(h: C10dStoreHandle, keys: string[], timeoutMs: number): void;
  c10dStoreCheck(h: C10dStoreHandle, keys: string[]): boolean;
  c10dStoreAdd(h: C10dStoreHandle, key: string, delta: number): number;
  c10dStoreClose(h: C10dStoreHandle): void;
  c10dHasNccl(): boolean;
  c10dGroupCreate(
    store: C10dStoreHandle,
    prefix: string,
    rank: number,
    size: number,
    timeoutMs: number,
    backend: string,
    deviceKind: 'interface' | 'hostname' | 'default',
    device: string,
    what: string,
  ): C10dGroupHandle;
  c10dGroupRank(g: C10dGroupHandle): number;
  c10dGroupSize(g: C10dGroupHandle): number;
  c10dGroupSend(g: C10dGroupHandle, t: TensorHandle, dst: number, tag: number, what: string): C10dWorkHandle;
  c10dGroupRecv(g: C10dGroupHandle, t: TensorHandle, src: number, tag: number, what: string): C10dWorkHandle;
  c10dGroupAllreduce(g: C10dGroupHandle, ts: TensorHandle[], what: string): C10dWorkHandle;
  c10dGroupBroadcast(g: C10dGroupHandle, ts: TensorHandle[], root: number, what: string): C10dWorkHandle;
  c10dGroupBarrier(g: C10dGroupHandle, what: string): C10dWorkHandle;
  c10dGroupClose(g: C10dGroupHandle): void;
  c10dWorkWait(w: C10dWorkHandle, timeoutMs: number, what: string): Promise<void>;
}

/**
 * OpenMP threads that wait passively instead of spinning, so that libtorch's idle threads do not take the cores from
 * other processes (results/notes/openmp-wait-policy.md). libgomp reads this when libtorch is loaded, so it is set
 * before the addon loads (unless the user set it). Child processes (e.g. Python in the benchmarks) inherit it, so
 * comparisons stay fair.
 */
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

/** Environment variable naming the addon file to load instead of build/Release/gim_native.node. */
export const NATIVE_ADDON_ENV = 'GIM_NATIVE_ADDON';

/** The package root: the folder above src/ (a checkout, run by tsx) or dist/ (the installed package). */
function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** What to do about a missing or unloadable addon, for an installed package and, in a checkout, for the repository. */
export function addonMissingMessage(file: string, reason: string, root = packageRoot()): string {
  const checkout = fs.existsSync(path.join(root, 'scripts', 'setup.sh')) && fs.existsSync(path.join(root, 'src'));
  const fix = checkout
    ? 'In this checkout run `bash scripts/setup.sh` (installs libtorch-dev and builds the addon).'
    : 'Build it with `npm rebuild greedy-infomax`; that needs libtorch and a C++ toolchain ' +
      '(Debian 12: `apt-get install libtorch-dev libgloo-dev g++ make python3`).';
  return `greedy-infomax: cannot load the libtorch addon ${file} (${reason}). ${fix}`;
}

function load(): NativeBinding {
  const override = process.env[NATIVE_ADDON_ENV];
  const file =
    override !== undefined && override !== ''
      ? path.resolve(override)
      : path.join(packageRoot(), 'build', 'Release', 'gim_native.node');
  const require = createRequire(import.meta.url);
  try {
    return require(file) as NativeBinding;
  } catch (e) {
    const firstLine = ((e as Error).message.split('\n')[0] ?? '').trim();
    const reason = fs.existsSync(file) ? firstLine : 'no such file';
    throw new Error(addonMissingMessage(file, reason), { cause: e });
  }
}

export const native: NativeBinding = load();
