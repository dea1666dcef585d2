/**
 * `gim train` stopped by a signal sent only to its own process, outside a terminal (issue 10 §4): it saves, exits
 * 130 (SIGINT) or 143 (SIGTERM), and leaves a checkpoint that loads — audio and vision, simultaneous, iterative on
 * cached activations, and async.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCheckpoint, runDir } from '../gim/run-dir.js';
import { loadCheckpointSync } from '../tensor/index.js';
import { FASHION_MNIST_DIR } from '../vision/data/index.js';

const GIM = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/gim.js');
const HAS_FASHION_MNIST = fs.existsSync(path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
const POLL_MS = 100;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-signals-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Finished {
  code: number | null;
  stderr: string;
}

/**
 * Run `gim train …` in `work` (outside a terminal); once it is training — it has logged a step, or `ready()` holds —
 * send `signal` to it alone (not its process group).
 */
function trainUntilSignal(
  args: string[],
  signal: NodeJS.Signals | null,
  ready = (): boolean => false,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GIM, 'train', ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    const send = (): void => {
      if (signal === null || sent || !(/^step \d+\//m.test(stderr) || ready())) return;
      sent = true;
      process.kill(child.pid!, signal);
    };
    const poll = setInterval(send, POLL_MS);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      send();
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ code, stderr });
    });
  });
}

const LONG = ['--set', 'train.steps=100000', '--set', 'train.checkpointEvery=100000'];

/** The newest checkpoint of `run` loads, and is the step the run reported stopping at. */
function expectSavedAt(run: string, r: Finished): void {
  const stopped = /interrupted at step (\d+)/.exec(r.stderr);
  expect(stopped, r.stderr).not.toBeNull();
  const last = latestCheckpoint(runDir(run))!;
  const ckpt = loadCheckpointSync(last.file);
  for (const t of ckpt.tensors.values()) t.dispose();
  expect(ckpt.step).toBe(Number(stopped![1]));
}

describe.concurrent('gim train stops on SIGINT and SIGTERM outside a terminal', () => {
  beforeAll(async () => {
    // Build the synthetic audio corpus once (data/speech-tiny under `work`), so the runs below only train.
    const r = await trainUntilSignal(['--preset', 'audio-tiny', '--run', path.join(work, 'warm-up')], null);
    expect(r.code, r.stderr).toBe(0);
  });

  it('audio, simultaneous: SIGINT → saves, exit 130', async () => {
    const run = path.join(work, 'audio-int');
    const r = await trainUntilSignal(['--preset', 'audio-tiny', '--run', run, ...LONG], 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expectSavedAt(run, r);
  });

  it('audio, async: SIGTERM → every module saves, exit 143', async () => {
    const run = path.join(work, 'audio-async-term');
    const args = ['--preset', 'audio-tiny', '--mode', 'async', '--run', run, ...LONG];
    const metrics = runDir(run).metrics;
    const r = await trainUntilSignal(args, 'SIGTERM', () => fs.existsSync(metrics) && fs.statSync(metrics).size > 0);
    expect(r.code, r.stderr).toBe(143);
    const last = latestCheckpoint(runDir(run))!; // the stack assembled from the modules' checkpoints
    const ckpt = loadCheckpointSync(last.file);
    for (const t of ckpt.tensors.values()) t.dispose();
    expect(ckpt.step).toBeGreaterThanOrEqual(0);
    expect(r.stderr).toMatch(/interrupted at step \d+/);
  });

  it.skipIf(!HAS_FASHION_MNIST)('vision, simultaneous: SIGTERM → saves, exit 143', async () => {
    const run = path.join(work, 'vision-term');
    const r = await trainUntilSignal(['--preset', 'vision-tiny', '--run', run, ...LONG], 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expectSavedAt(run, r);
  });

  it.skipIf(!HAS_FASHION_MNIST)('vision, iterative: SIGINT → saves, exit 130; --resume continues it', async () => {
    const run = path.join(work, 'vision-iterative-int');
    const args = ['--preset', 'vision-tiny', '--mode', 'iterative', '--run', run, ...LONG];
    const r = await trainUntilSignal(args, 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expectSavedAt(run, r);
    const again = await trainUntilSignal([...args, '--resume'], 'SIGINT');
    expect(again.code, again.stderr).toBe(130);
    expect(again.stderr).toMatch(/resumed from .*step-\d+\.safetensors/);
  });
});
