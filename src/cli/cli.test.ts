import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MetricsWriter } from '../report/index.js';
import { FASHION_MNIST_DIR } from '../vision/data/index.js';
import { addBenchCommand } from './bench.js';
import { buildProgram } from './program.js';
import { parsePreset, PRESETS } from './presets.js';
import { reproduceCommand } from './reproduce.js';
import { isCountOf } from '../testing/learning.js';

const HAS_FASHION_MNIST = fs.existsSync(path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
/** Test images of the vision-tiny preset (data.maxTest): an eval accuracy is a count out of them. */
const TINY_TEST_IMAGES = 128;

describe('presets', () => {
  it('every preset resolves to a valid config of its experiment', () => {
    for (const name of PRESETS) {
      const p = parsePreset(name);
      expect(p.config().experiment, name).toBe(p.experiment);
      expect(p.config().name, name).toBe(name);
    }
    expect(parsePreset('vision-small')).toMatchObject({ experiment: 'vision', scale: 'small' });
    expect(() => parsePreset('vision-huge')).toThrow(/vision-tiny/);
  });
});

describe('gim command line', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-cli-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  afterEach(() => {
    process.exitCode = undefined;
  });

  /** The program with errors thrown (not exiting the process) and commander's own messages kept quiet. */
  function program() {
    const p = buildProgram();
    for (const c of [p, ...p.commands]) c.exitOverride().configureOutput({ writeErr: () => undefined });
    return p;
  }

  it('eval offers --probe class beside speaker and phone, and refuses others', async () => {
    const evalCmd = buildProgram().commands.find((c) => c.name() === 'eval')!;
    expect(evalCmd.options.find((o) => o.long === '--probe')!.argChoices).toEqual(['speaker', 'phone', 'class']);
    await expect(program().parseAsync(['eval', '--run', tmp, '--probe', 'pixel'], { from: 'user' })).rejects.toThrow(
      /pixel/,
    );
  });

  it('reproduce knows audio and vision only', async () => {
    await expect(reproduceCommand('speech', 'tiny', [])).rejects.toThrow(/audio, vision/);
  });

  it.skipIf(!HAS_FASHION_MNIST)('gim train --preset vision-tiny, then gim eval --probe class', async () => {
    const run = path.join(tmp, 'vision-tiny');
    await program().parseAsync(['train', '--preset', 'vision-tiny', '--run', run, '--set', 'train.steps=2'], {
      from: 'user',
    });
    expect(process.exitCode).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')) as { experiment: string };
    expect(config.experiment).toBe('vision');
    await program().parseAsync(['eval', '--run', run, '--probe', 'class', '--layer', 'all'], { from: 'user' });
    const out = JSON.parse(fs.readFileSync(path.join(run, 'eval-class.json'), 'utf8')) as {
      accuracy: Record<string, number>;
    };
    expect(Object.keys(out.accuracy)).toEqual(['module1', 'module2', 'module3']);
    for (const acc of Object.values(out.accuracy)) expect(isCountOf(acc, TINY_TEST_IMAGES), `${acc}`).toBe(true);
    await expect(program().parseAsync(['eval', '--run', run, '--probe', 'speaker'], { from: 'user' })).rejects.toThrow(
      /--probe class/,
    );
  });

  it.skipIf(!HAS_FASHION_MNIST)('gim train --preset vision-tiny --mode async leaves a run eval reads', async () => {
    const run = path.join(tmp, 'vision-tiny-async');
    await program().parseAsync(
      ['train', '--preset', 'vision-tiny', '--mode', 'async', '--run', run, '--set', 'train.steps=3'],
      { from: 'user' },
    );
    expect(process.exitCode).toBe(0);
    for (let m = 0; m < 3; m++) expect(fs.existsSync(path.join(run, 'checkpoints', `module${m}`))).toBe(true);
    await program().parseAsync(['eval', '--run', run, '--probe', 'class'], { from: 'user' });
    const out = JSON.parse(fs.readFileSync(path.join(run, 'eval-class.json'), 'utf8')) as {
      accuracy: Record<string, number>;
    };
    expect(Object.keys(out.accuracy)).toEqual(['module3']);
    expect(isCountOf(out.accuracy.module3!, TINY_TEST_IMAGES), `${out.accuracy.module3}`).toBe(true);
    const refused = path.join(tmp, 'vision-tiny-async-supervised');
    await expect(
      program().parseAsync(
        [
          'train',
          '--preset',
          'vision-tiny',
          '--mode',
          'async',
          '--run',
          refused,
          '--set',
          'train.objective=supervised',
        ],
        { from: 'user' },
      ),
    ).rejects.toThrow(/supervised/);
    expect(fs.existsSync(path.join(refused, 'checkpoints'))).toBe(false);
  });
});

describe('bench async and report figure3', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-cli-report-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('bench async offers --experiment audio|vision|both, --scale tiny|small and --steps', () => {
    const program = buildProgram();
    addBenchCommand(program);
    const bench = program.commands.find((c) => c.name() === 'bench')!;
    expect(bench.commands.map((c) => c.name())).toEqual(['memory', 'async']);
    const cmd = bench.commands.find((c) => c.name() === 'async')!;
    const opt = (name: string) => cmd.options.find((o) => o.long === name);
    expect(opt('--experiment')!.argChoices).toEqual(['audio', 'vision', 'both']);
    expect(opt('--scale')!.argChoices).toEqual(['tiny', 'small']);
    expect(opt('--steps')).toBeDefined();
  });

  it('report figure3 draws two runs into <out>/figure3.png, and names a folder that is not a run', async () => {
    const runs = ['sim', 'iter'].map((name) => path.join(tmp, name));
    runs.forEach((run, r) => {
      const w = new MetricsWriter(path.join(run, 'metrics.jsonl'));
      for (let m = 0; m < 3; m++)
        for (let s = 1; s <= 5; s++) w.log({ step: r === 0 ? s : 5 * m + s, module: m, loss: 2 - s / 10 });
      w.close();
    });
    const p = buildProgram();
    const out = path.join(tmp, 'out');
    const argv = ['report', 'figure3', '--simultaneous', runs[0]!, '--iterative', runs[1]!, '--out', out];
    await p.parseAsync(argv, { from: 'user' });
    expect(fs.readFileSync(path.join(out, 'figure3.png')).subarray(1, 4).toString()).toBe('PNG');
    await expect(
      buildProgram().parseAsync(['report', 'figure3', '--simultaneous', tmp, '--iterative', runs[1]!], {
        from: 'user',
      }),
    ).rejects.toThrow(/no metrics\.jsonl/);
  });
});

describe('--skip-bad', () => {
  it('is offered by train and reproduce', () => {
    for (const name of ['train', 'reproduce']) {
      const cmd = buildProgram().commands.find((c) => c.name() === name)!;
      expect(
        cmd.options.some((o) => o.long === '--skip-bad'),
        name,
      ).toBe(true);
    }
  });
});
