import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR } from '../vision/data/index.js';
import { buildProgram } from './program.js';
import { parsePreset, PRESETS } from './presets.js';
import { reproduceCommand } from './reproduce.js';

const HAS_FASHION_MNIST = fs.existsSync(path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));

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
    await expect(program().parseAsync(['eval', '--run', run, '--probe', 'speaker'], { from: 'user' })).rejects.toThrow(
      /--probe class/,
    );
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
