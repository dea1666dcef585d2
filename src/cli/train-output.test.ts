/**
 * `gim train` and where its output and run go: a closed output pipe (`gim train 2>&1 | head`) does not kill the run
 * before it saves, and run folders that cannot be made are refused at once with a message naming the run folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { latestCheckpoint, runDir } from '../gim/run-dir.js';

const GIM = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/gim.js');
const FIXTURES = fileURLToPath(new URL('../audio/data/fixtures/librispeech', import.meta.url));
const STEPS = 30;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-output-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const tinyAudio = (run: string): string[] =>
  ['train', '--preset', 'audio-tiny', '--run', run, '--set', `data.root=${FIXTURES}`].concat([
    '--set',
    `train.steps=${STEPS}`,
    '--set',
    'train.logEvery=1',
    '--set',
    `train.checkpointEvery=${STEPS}`,
  ]);

describe('gim train output and run folders', () => {
  it('a reader that closes stderr after the first line does not stop the run: it trains to the end and saves', async () => {
    const run = path.join(work, 'closed-pipe');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [GIM, ...tinyAudio(run)], {
        cwd: work,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr.once('data', () => child.stderr.destroy()); // what `| head -1` does
      child.on('error', reject);
      child.on('exit', resolve);
    });
    expect(code).toBe(0);
    expect(latestCheckpoint(runDir(run))?.step).toBe(STEPS);
  });

  it('run-folder flags are checked before any data is opened or built', () => {
    const cwd = fs.mkdtempSync(path.join(work, 'fresh-'));
    for (const [args, why] of [
      [['--resume', '--overwrite'], /--resume and --overwrite contradict each other/],
      [['--resume'], /--resume: .* does not exist/],
    ] as const) {
      const argv = [GIM, 'train', '--preset', 'audio-tiny', '--run', 'r', ...args];
      const r = spawnSync(process.execPath, argv, { cwd, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(why);
    }
    expect(fs.readdirSync(cwd)).toEqual([]); // no synthetic corpus under data/, no run folder
  });

  it.runIf(fs.existsSync('/proc/self'))('a run folder that cannot be created is an error naming it, at once', () => {
    for (const [run, why] of [
      ['/proc/gim-no-such/run', /run folder: cannot create \/proc\/gim-no-such\/run/],
      ['', /run folder: the folder path is empty/],
    ] as const) {
      const r = spawnSync(process.execPath, [GIM, ...tinyAudio(run)], { cwd: work, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(why);
    }
  });
});
