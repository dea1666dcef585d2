/** gim eval on audio-tiny: every layer probed for phones, results merged per module, the checkpoint's config read. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { readRunConfig } from '../experiments/run-eval.js';
import { getNumThreads, setNumThreads } from '../tensor/index.js';
import { buildProgram } from './program.js';

const FIXTURES = new URL('../audio/data/fixtures/librispeech', import.meta.url).pathname;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-eval-'));
const run = path.join(tmp, 'audio-tiny');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const gim = async (...argv: string[]): Promise<void> => {
  await buildProgram().exitOverride().parseAsync(argv, { from: 'user' });
};
const readEval = (probe: string): { accuracy: Record<string, number>; step: Record<string, number> } =>
  JSON.parse(fs.readFileSync(path.join(run, `eval-${probe}.json`), 'utf8')) as {
    accuracy: Record<string, number>;
    step: Record<string, number>;
  };

describe('gim eval on an audio-tiny run', () => {
  beforeAll(async () => {
    await gim(
      'train',
      '--preset',
      'audio-tiny',
      '--run',
      run,
      '--set',
      `data.root=${FIXTURES}`,
      '--set',
      'train.steps=2',
      '--set',
      'train.checkpointEvery=2',
    );
    expect(process.exitCode).toBe(0);
  });

  it('--probe phone --layer all probes every module, early ones at the label rate', async () => {
    await gim('eval', '--run', run, '--probe', 'phone', '--layer', 'all');
    const { accuracy, step } = readEval('phone');
    const modules = ['module1', 'module2', 'module3', 'module4', 'module5', 'module6'];
    expect(Object.keys(accuracy)).toEqual(modules);
    for (const m of modules) expect(accuracy[m]).toBeGreaterThanOrEqual(0);
    for (const m of modules) expect(accuracy[m]).toBeLessThanOrEqual(1);
    expect(step).toEqual(Object.fromEntries(modules.map((m) => [m, 2])));
  });

  it('probes with the threads the run was trained with, whatever this process had set', async () => {
    const before = getNumThreads();
    const trained = readRunConfig(run).config.threads;
    setNumThreads(trained === 1 ? 2 : 1);
    try {
      await gim('eval', '--run', run, '--probe', 'phone', '--layer', '1');
      expect(getNumThreads()).toBe(trained);
    } finally {
      setNumThreads(before);
    }
  });

  it('eval-<probe>.json is merged per module, not overwritten', async () => {
    await gim('eval', '--run', run, '--probe', 'speaker', '--layer', '2');
    await gim('eval', '--run', run, '--probe', 'speaker', '--layer', 'last');
    expect(Object.keys(readEval('speaker').accuracy)).toEqual(['module2', 'module6']);
    fs.writeFileSync(path.join(run, 'eval-speaker.json'), '{"probe": "phone"');
    await expect(gim('eval', '--run', run, '--probe', 'speaker', '--layer', '1')).rejects.toThrow(
      `${path.join(run, 'eval-speaker.json')}: not valid JSON`,
    );
  });

  it('reads the config stored in the newest checkpoint, not config.json', async () => {
    fs.writeFileSync(path.join(run, 'config.json'), '[]');
    const config = readRunConfig(run);
    expect(config.file).toMatch(/checkpoints\/step-0*2\.safetensors$/);
    expect(config.experiment).toBe('audio');
  });

  it('a truncated newest checkpoint is skipped, said, and left as it is; the step probed is recorded', async () => {
    const copy = path.join(tmp, 'audio-tiny-truncated');
    fs.cpSync(run, copy, { recursive: true });
    fs.rmSync(path.join(copy, 'eval-speaker.json'), { force: true }); // damaged on purpose by the test above
    const good = fs.readdirSync(path.join(copy, 'checkpoints')).sort().at(-1)!;
    const bad = path.join(copy, 'checkpoints', 'step-0000009.safetensors');
    fs.writeFileSync(bad, fs.readFileSync(path.join(copy, 'checkpoints', good)).subarray(0, 100));
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      said.push(String(chunk));
      return true;
    });
    try {
      await gim('eval', '--run', copy, '--probe', 'speaker', '--layer', '1');
    } finally {
      spy.mockRestore();
    }
    expect(said.join('')).toContain(`${bad}`);
    expect(said.join('')).toContain('skipped; using an older checkpoint');
    expect(fs.statSync(bad).size).toBe(100);
    const results = JSON.parse(fs.readFileSync(path.join(copy, 'eval-speaker.json'), 'utf8')) as {
      step: Record<string, number>;
    };
    expect(results.step).toEqual({ module1: 2 });
  });
});
