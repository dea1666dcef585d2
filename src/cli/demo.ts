/** `gim demo`: Greedy InfoMax on Fashion-MNIST in about 1½ minutes (src/experiments/demo.ts), into a new run folder. */
import fs from 'node:fs';
import path from 'node:path';
import { demoPatch, runDemo } from '../experiments/vision/demo.js';
import { resolveVisionConfig } from '../experiments/vision/config.js';
import { checkedPatchOf } from './reproduce.js';

export interface DemoCommandArgs {
  /** Run folder; default runs/demo-<UTC timestamp>. It must not exist or be empty. */
  run?: string;
  sets: string[];
}

/** defaultDemoRun(now): runs/demo-2026-12-05T08-30-00 (a new folder per call, so no demo overwrites another). */
export function defaultDemoRun(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replaceAll(':', '-');
  return path.join('runs', `demo-${stamp}`);
}

/** demoCommand(args): train and probe, print the table; returns the exit code. */
export async function demoCommand(args: DemoCommandArgs): Promise<number> {
  const run = args.run ?? defaultDemoRun();
  if (fs.existsSync(run) && (!fs.statSync(run).isDirectory() || fs.readdirSync(run).length > 0))
    throw new Error(`demo: ${run} already exists and is not an empty folder; pass another --run`);
  const patch = checkedPatchOf<object>(resolveVisionConfig('small', demoPatch), args.sets);
  const result = await runDemo({ run, patch, log: (line) => console.log(line) });
  console.log(`the trained run is in ${run} (gim eval --run ${run} --probe class)`);
  return result.outcome === 'finished' ? 0 : 1;
}
