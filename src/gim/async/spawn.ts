/**
 * Starting module workers and loading module factories. From the compiled package (dist/) the worker is plain
 * `worker.js`; from the TypeScript sources (tsx, vitest) it is `worker.ts`, started by a small bootstrap that first
 * registers tsx's ESM loader inside the worker (tsx's `--import` hook does not reach worker threads on Node 20).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import type { GimModule } from '../module.js';
import type { ModuleFactory, ModuleFactorySpec, WorkerInit } from './protocol.js';

const fromSources = import.meta.url.endsWith('.ts');
let live = 0;

/** Workers started by spawnModuleWorker that have not exited yet (for tests: nothing is left behind). */
export function liveModuleWorkers(): number {
  return live;
}

function tsxBootstrap(entry: string): string {
  const api = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const apiUrl = JSON.stringify(pathToFileURL(api).href);
  return `import(${apiUrl}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
}

/** spawnModuleWorker(init): a worker thread running worker.ts|js for one module; its ports are transferred. */
export function spawnModuleWorker(init: WorkerInit): Worker {
  const entry = new URL(fromSources ? './worker.ts' : './worker.js', import.meta.url);
  const transferList: TransferListItem[] = [init.input, ...(init.output === null ? [] : [init.output])];
  const options = { workerData: init, transferList, name: `gim-module-${init.module}` };
  const worker = fromSources
    ? new Worker(tsxBootstrap(entry.href), { ...options, eval: true })
    : new Worker(entry, options);
  live++;
  worker.once('exit', () => live--);
  return worker;
}

/** loadModuleFactory(spec): import spec.module and return its factory export (a function), or throw naming both. */
export async function loadModuleFactory(spec: ModuleFactorySpec): Promise<(args: unknown) => GimModule[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(spec.module)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`module factory: cannot import ${spec.module}: ${(e as Error).message}`, { cause: e });
  }
  const f = mod[spec.export];
  if (typeof f !== 'function')
    throw new Error(`module factory: ${spec.module} has no function export '${spec.export}'`);
  return f as ModuleFactory as (args: unknown) => GimModule[];
}
