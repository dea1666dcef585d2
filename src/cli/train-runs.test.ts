/** `gim train` never mixes runs or loses one (issue 10 §3), through the command line. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { latestCheckpoint, listCheckpoints, runDir } from '../gim/run-dir.js';
import { loadCheckpointSync } from '../tensor/index.js';
import { FASHION_MNIST_DIR } from '../vision/data/index.js';
import { buildProgram } from './program.js';

const HAS_FASHION_MNIST = fs.existsSync(path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-train-runs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `gim train --preset vision-tiny --run <run> …args` in this process; resolves to the exit code. */
async function train(run: string, ...args: string[]): Promise<number | string | undefined> {
  const p = buildProgram();
  for (const c of [p, ...p.commands]) c.exitOverride().configureOutput({ writeErr: () => undefined });
  process.exitCode = undefined;
  await p.parseAsync(['train', '--preset', 'vision-tiny', '--run', run, ...args], { from: 'user' });
  return process.exitCode;
}
const config = (run: string): { train: { lr: number; steps: number } } =>
  JSON.parse(fs.readFileSync(runDir(run).config, 'utf8')) as { train: { lr: number; steps: number } };
const storedLr = (run: string): number => {
  const ckpt = loadCheckpointSync(latestCheckpoint(runDir(run))!.file);
  const lr = ckpt.tensors.get('module0.optim.lr')!.item();
  for (const t of ckpt.tensors.values()) t.dispose();
  return lr;
};

describe.skipIf(!HAS_FASHION_MNIST)('gim train and the run folder', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('a second run into a folder holding one is refused; --overwrite replaces it', async () => {
    const run = path.join(tmp, 'refuse');
    expect(await train(run, '--set', 'train.steps=6', '--set', 'train.checkpointEvery=3')).toBe(0);
    await expect(train(run, '--set', 'train.steps=2')).rejects.toThrow(/not empty.*--resume.*--overwrite/);
    expect(listCheckpoints(runDir(run)).map((c) => c.step)).toEqual([3, 6]);
    expect(await train(run, '--set', 'train.steps=2', '--overwrite')).toBe(0);
    expect(listCheckpoints(runDir(run)).map((c) => c.step)).toEqual([2]);
    expect(config(run).train.steps).toBe(2);
  });

  it('--resume under another preset of the experiment continues the stored config and says so', async () => {
    const run = path.join(tmp, 'other-preset');
    expect(await train(run, '--set', 'train.steps=2')).toBe(0);
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      said.push(String(chunk));
      return true;
    });
    try {
      await buildProgram().parseAsync(
        ['train', '--preset', 'vision-small', '--run', run, '--resume', '--set', 'train.steps=3'],
        { from: 'user' },
      );
    } finally {
      spy.mockRestore();
    }
    expect(process.exitCode).toBe(0);
    expect(said.join('')).toMatch(
      /is a 'vision-tiny' run and continues with the config stored in .*--preset vision-small/,
    );
    expect(config(run).train.steps).toBe(3);
    expect((JSON.parse(fs.readFileSync(runDir(run).config, 'utf8')) as { name: string }).name).toBe('vision-tiny');
  });

  it('--resume on a missing folder is an error', async () => {
    await expect(train(path.join(tmp, 'missing'), '--resume')).rejects.toThrow(/--resume: .*missing does not exist/);
  });

  it('--resume with a changed model is refused before config.json is touched, naming the checkpoint and key', async () => {
    const run = path.join(tmp, 'model');
    expect(await train(run, '--set', 'train.steps=2')).toBe(0);
    const before = fs.readFileSync(runDir(run).config, 'utf8');
    await expect(train(run, '--resume', '--set', 'model.planes=[8,8,16]')).rejects.toThrow(
      /step-0000002\.safetensors in model\.planes \(\[4,8,8\] → \[8,8,16\]\)/,
    );
    expect(fs.readFileSync(runDir(run).config, 'utf8')).toBe(before);
  });

  it('--resume --set train.lr wins and is recorded; a later plain --resume keeps it', async () => {
    const run = path.join(tmp, 'lr');
    expect(await train(run, '--set', 'train.steps=2')).toBe(0);
    expect(await train(run, '--resume', '--set', 'train.steps=4', '--set', 'train.lr=0.0123')).toBe(0);
    expect([config(run).train.lr, storedLr(run)]).toEqual([0.0123, 0.0123]);
    expect(await train(run, '--resume', '--set', 'train.steps=5')).toBe(0); // the run's own config, not the preset's
    expect([config(run).train.lr, storedLr(run), latestCheckpoint(runDir(run))!.step]).toEqual([0.0123, 0.0123, 5]);
  });

  it('gim eval reads the config stored in the checkpoint, not a config.json that no longer matches it', async () => {
    const run = path.join(tmp, 'eval');
    expect(await train(run, '--set', 'train.steps=2')).toBe(0);
    const c = JSON.parse(fs.readFileSync(runDir(run).config, 'utf8')) as { model: { planes: number[] } };
    c.model.planes = [8, 8, 16]; // as the old `--resume --set model.…` left it
    fs.writeFileSync(runDir(run).config, JSON.stringify(c));
    const p = buildProgram();
    for (const cmd of [p, ...p.commands]) cmd.exitOverride().configureOutput({ writeErr: () => undefined });
    await p.parseAsync(['eval', '--run', run, '--probe', 'class'], { from: 'user' });
    expect(process.exitCode).toBe(0);
  });
});
