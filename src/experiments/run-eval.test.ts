/** The config `gim eval` evaluates a run with: validated as a run config object, every error naming its file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { parseRunConfig, readRunConfig } from './run-eval.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-run-eval-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('run config validation', () => {
  it('rejects non-objects, bad JSON and unknown experiments, naming the file', () => {
    const file = '/runs/x/config.json';
    for (const [text, what] of [
      ['[]', 'an array'],
      ['1', 'the number 1'],
      ['"x"', 'the string "x"'],
      ['true', 'the boolean true'],
      ['null', 'null'],
    ] as const) {
      expect(() => parseRunConfig(text, file)).toThrow(`${file}: the run config must be a JSON object, got ${what}`);
    }
    expect(() => parseRunConfig('{"experiment": ', file)).toThrow(`${file}: the run config is not valid JSON`);
    expect(() => parseRunConfig('{}', file)).toThrow(
      `${file}: the run config's 'experiment' must be "audio" or "vision"`,
    );
    expect(() => parseRunConfig('{"experiment": "audio", "seed": "x"}', file)).toThrow(
      new RegExp(`^${file}: [^]*seed`),
    );
    expect(parseRunConfig('{"experiment": "audio"}', file).experiment).toBe('audio');
  });

  it('a run without checkpoints falls back to config.json, whose errors name it', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'no-ckpt-'));
    expect(() => readRunConfig(dir)).toThrow(`${dir}: no checkpoint and no config.json`);
    fs.writeFileSync(path.join(dir, 'config.json'), 'true');
    expect(() => readRunConfig(dir)).toThrow(`${path.join(dir, 'config.json')}: the run config must be a JSON object`);
    expect(() => readRunConfig(path.join(tmp, 'absent'))).toThrow(/no such run directory/);
  });
});
