import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordedTrainingSeconds } from './results-dir.js';
import { runDir } from '../gim/run-dir.js';

describe('recordedTrainingSeconds', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-recorded-seconds-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  /** A run folder whose metrics.jsonl holds these lines (two modules logged at each step). */
  const run = (name: string, lines: { step: number; seconds?: number; time: number }[]): string => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    const records = lines.flatMap((l) => [0, 1].map((module) => JSON.stringify({ ...l, module, loss: 1 })));
    fs.writeFileSync(runDir(dir).metrics, `${records.join('\n')}\n`);
    return dir;
  };

  it('is the time from the first line to the last, plus the first step', () => {
    const dir = run('one-sitting', [
      { step: 10, seconds: 0.5, time: 1000 },
      { step: 20, seconds: 0.5, time: 1005 },
      { step: 30, seconds: 0.6, time: 1011 },
    ]);
    expect(recordedTrainingSeconds(dir)).toBeCloseTo(11.5, 9);
  });

  it('counts a pause between two sittings (a resumed run) as the steps in it at their logged step time', () => {
    const dir = run('two-sittings', [
      { step: 10, seconds: 0.5, time: 1000 },
      { step: 20, seconds: 0.5, time: 1005 },
      { step: 30, seconds: 0.4, time: 5000 }, // stopped after step 20, resumed an hour later
      { step: 40, seconds: 0.4, time: 5004 },
    ]);
    expect(recordedTrainingSeconds(dir)).toBeCloseTo(0.5 + 5 + 10 * 0.4 + 4, 9);
  });

  it('keeps a slow stretch that is not a pause (under ten times the logged step time), and lines without seconds', () => {
    const slow = run('slow', [
      { step: 10, seconds: 0.5, time: 1000 },
      { step: 20, seconds: 0.5, time: 1040 }, // 8× the logged steps: a checkpoint or a busy machine, still training
    ]);
    expect(recordedTrainingSeconds(slow)).toBeCloseTo(40.5, 9);
    const untimed = run('untimed', [
      { step: 10, time: 1000 },
      { step: 20, time: 3000 },
    ]);
    expect(recordedTrainingSeconds(untimed)).toBeCloseTo(2000, 9);
  });

  it('is null without a metrics file or with a single line', () => {
    expect(recordedTrainingSeconds(path.join(tmp, 'none'))).toBeNull();
    const dir = path.join(tmp, 'single');
    fs.mkdirSync(dir);
    fs.writeFileSync(runDir(dir).metrics, `${JSON.stringify({ step: 1, time: 5, loss: 1 })}\n`);
    expect(recordedTrainingSeconds(dir)).toBeNull();
  });
});
