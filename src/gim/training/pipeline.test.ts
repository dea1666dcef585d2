/**
 * train.mode distributed end to end over loopback, as a user runs it: `gim launch --nproc-per-node 3 -- train --preset
 * audio-tiny --mode distributed --set distributed.stages=3` — a 3-stage pipeline (and 3 data-parallel replicas) whose
 * modules learn, with bounded staleness, checkpoints that load (eval reads the run), resume, Ctrl-C / SIGTERM, a rank
 * killed, and no process left behind.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listModuleCheckpoints, moduleCheckpointDir } from '../async/index.js';
import { listCheckpoints, runDir } from '../run-dir.js';
import { readMetrics, type MetricRecord } from '../../report/index.js';
import { loadCheckpointSync } from '../../tensor/index.js';
import { meanOf } from '../../testing/learning.js';

const GIM = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/gim.js');
const MODULES = 6;
const STEPS = 50;
/** Logged losses averaged at the end of the run, compared with each module's first. */
const WINDOW = 8;
const Q = 2;
const TRAIN = ['train', '--preset', 'audio-tiny', '--mode', 'distributed', '--set', 'threads=1'];
const LEARN = ['--set', 'train.lr=0.005', '--set', 'train.logEvery=1'];

/** `train … --mode distributed` with these stages, steps and run folder, then any further flags. */
function trainArgs(stages: number, steps: number, run: string, ...more: string[]): string[] {
  return [...TRAIN, '--set', `distributed.stages=${stages}`, '--set', `train.steps=${steps}`, '--run', run, ...more];
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-pipeline-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface Launched {
  code: number | null;
  stderr: string;
  stdout: string;
}

/**
 * `gim launch --nproc-per-node 3 … -- <args>` in `work` (where data/speech-tiny is built on first use); `during`
 * sees the launch process and the output so far, every 100 ms.
 */
async function launch(args: string[], during?: (pid: number, stderr: string) => void): Promise<Launched> {
  const port = await freePort();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [GIM, 'launch', '--nproc-per-node', '3', '--master-port', String(port), '--grace', '10', '--', ...args],
      { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const poll = during === undefined ? null : setInterval(() => during(child.pid!, stderr), 100);
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll !== null) clearInterval(poll);
      resolve({ code, stderr, stdout });
    });
  });
}

/** Pids of live processes whose command line names `run` (the ranks of that run). */
function processesOf(run: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') return false;
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(run);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The pid of rank `rank` of `run`. */
function rankPid(run: string, rank: number): number | undefined {
  return processesOf(run).find((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`RANK=${rank}`);
    } catch {
      return false;
    }
  });
}

/** Every module checkpoint and the stack checkpoint of `run` load; returns the newest step of each module. */
function checkpointsLoad(run: string): number[] {
  const files = [
    ...listCheckpoints(runDir(run)).map((c) => c.file),
    ...Array.from({ length: MODULES }, (_, m) => listModuleCheckpoints(moduleCheckpointDir(run, m))).flatMap((cs) =>
      cs.map((c) => c.file),
    ),
  ];
  for (const file of files) {
    const c = loadCheckpointSync(file);
    for (const t of c.tensors.values()) t.dispose();
  }
  return Array.from({ length: MODULES }, (_, m) => listModuleCheckpoints(moduleCheckpointDir(run, m)).at(-1)!.step);
}

/** The stack checkpoint eval reads: its step, and that it holds every module. */
function stackCheckpoint(run: string): { step: number; modules: number[] } {
  const last = listCheckpoints(runDir(run)).at(-1)!;
  const c = loadCheckpointSync(last.file);
  const modules = [...new Set([...c.tensors.keys()].map((k) => Number(/^module(\d+)\./.exec(k)?.[1] ?? -1)))];
  for (const t of c.tensors.values()) t.dispose();
  return { step: c.step, modules: modules.filter((m) => m >= 0).sort((a, b) => a - b) };
}

describe('gim launch -- train --mode distributed (audio-tiny, loopback)', () => {
  const pipeline = path.join(work, 'pipeline');
  let first: Launched;
  let records: MetricRecord[];

  beforeAll(async () => {
    first = await launch([...trainArgs(3, STEPS, pipeline), ...LEARN]);
    records = fs.existsSync(path.join(pipeline, 'metrics.jsonl'))
      ? readMetrics(path.join(pipeline, 'metrics.jsonl'))
      : [];
  });

  it('3 stages: every module’s loss falls below its first value, staleness ≤ Q, no process left behind', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/\[rank 2\] rank 2: stage 3 of 3 \(modules 5–6\)/);
    for (let m = 0; m < MODULES; m++) {
      const losses = records.filter((r) => r.module === m && r.name === undefined).map((r) => r.loss!);
      expect(losses, `module ${m + 1}`).toHaveLength(STEPS);
      expect(losses.every(Number.isFinite)).toBe(true);
      const end = meanOf(losses.slice(-WINDOW));
      expect(end, `module ${m + 1}: first ${losses[0]}, mean of the last ${WINDOW} ${end}`).toBeLessThan(losses[0]!);
    }
    const summaries = records.filter((r) => r.name === 'distributed');
    expect(summaries.map((r) => r.rank).sort()).toEqual([0, 1, 2]);
    for (const s of summaries) {
      expect(s.steps).toBe(STEPS);
      expect(s.stalenessMax).toBeLessThanOrEqual(Q);
      expect(s.queueMax).toBeLessThanOrEqual(Q);
      expect(s.samplesPerSec).toBeGreaterThan(0);
      // Stages 1 and 2 send activations (a header and [B, C, T] floats per step); the last stage sends nothing.
      if (s.stage === 2) expect(s.bytesSentPerStep).toBe(0);
      else expect(s.bytesSentPerStep).toBeGreaterThan(1000);
    }
    expect(processesOf(pipeline)).toEqual([]);
  });

  it('checkpoints load: each module’s, and the stack checkpoint that gim eval reads', async () => {
    expect(checkpointsLoad(pipeline)).toEqual(Array(MODULES).fill(STEPS));
    expect(stackCheckpoint(pipeline)).toEqual({ step: STEPS, modules: [0, 1, 2, 3, 4, 5] });
    const evaluated = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [GIM, 'eval', '--run', pipeline, '--probe', 'speaker'], {
        cwd: work,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(evaluated.code, evaluated.out).toBe(0);
    expect(evaluated.out).toMatch(/speaker probe, module 6: [\d.]+% test accuracy/);
  });

  it('resume continues every stage from the run’s checkpoints', async () => {
    const r = await launch(trainArgs(3, STEPS + 4, pipeline, '--resume'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[rank 0\] resume: modules continue from steps 50, 50, 50, 50, 50, 50/);
    expect(r.stderr).toMatch(/\[rank 2\] finished at step 54/);
    expect(checkpointsLoad(pipeline)).toEqual(Array(MODULES).fill(STEPS + 4));
    expect(stackCheckpoint(pipeline).step).toBe(STEPS + 4);
    expect(processesOf(pipeline)).toEqual([]);
  });

  it('resume when the stages saved different steps: all restart from the newest step every module holds', async () => {
    // As if the last stage had been killed before it saved step 54: modules 5–6 lose it, modules 1–4 keep it.
    for (const m of [4, 5]) {
      const newest = listModuleCheckpoints(moduleCheckpointDir(pipeline, m)).at(-1)!;
      expect(newest.step).toBe(STEPS + 4);
      fs.rmSync(newest.file);
    }
    const common = listModuleCheckpoints(moduleCheckpointDir(pipeline, 5)).at(-1)!.step;
    expect(common).toBeLessThan(STEPS + 4);
    const r = await launch(trainArgs(3, STEPS + 6, pipeline, '--resume'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `[rank 0] resume: modules continue from steps ${Array(MODULES).fill(common).join(', ')}`,
    );
    expect(checkpointsLoad(pipeline)).toEqual(Array(MODULES).fill(STEPS + 6));
    // metrics.jsonl was cut back to the common step: each module's steps are logged once, in order
    const lines = readMetrics(path.join(pipeline, 'metrics.jsonl'));
    for (let m = 0; m < MODULES; m++) {
      const steps = lines.filter((l) => l.module === m && l.name === undefined).map((l) => l.step);
      expect(steps, `module ${m + 1}`).toEqual(Array.from({ length: STEPS + 6 }, (_, i) => i + 1));
    }
  });

  it('3 data-parallel replicas (stages=1) train and save one set of modules', async () => {
    const run = path.join(work, 'replicas');
    const r = await launch(trainArgs(1, 4, run));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[rank 1\] rank 1: stage 1 of 1 \(modules 1–6\), replica 2 of 3/);
    expect(checkpointsLoad(run)).toEqual(Array(MODULES).fill(4));
    expect(processesOf(run)).toEqual([]);
  });

  it('SIGTERM to launch: stage 0 stops, the others drain, all save the same step; exit 143', async () => {
    const run = path.join(work, 'stopped');
    let sent = false;
    const r = await launch(trainArgs(3, 100000, run, '--set', 'train.checkpointEvery=100000'), (pid, stderr) => {
      if (sent || !/\[rank 2\] step \d+\//.test(stderr)) return;
      sent = true;
      process.kill(pid, 'SIGTERM');
    });
    expect(r.code, r.stderr).toBe(143);
    const steps = checkpointsLoad(run);
    expect(new Set(steps).size, `module steps ${steps.join(', ')}`).toBe(1);
    expect(stackCheckpoint(run).step).toBe(steps[0]);
    expect(processesOf(run)).toEqual([]);
  });

  it('a rank killed (kill -9): the others exit non-zero, launch names it; the checkpoints load', async () => {
    const run = path.join(work, 'killed');
    let killedAt = 0;
    const r = await launch(trainArgs(3, 100000, run, '--set', 'train.checkpointEvery=2'), (_pid, stderr) => {
      if (killedAt > 0 || !/\[rank 2\] step [4-9]\//.test(stderr)) return;
      const pid = rankPid(run, 1);
      if (pid === undefined) return;
      killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
    });
    const seconds = (Date.now() - killedAt) / 1000;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gim launch: rank 1 was killed by SIGKILL/);
    expect(seconds).toBeLessThan(20);
    checkpointsLoad(run);
    expect(processesOf(run)).toEqual([]);
  });
});
