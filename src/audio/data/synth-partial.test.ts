/** buildSpeechCorpus builds beside its output and renames into place: an interrupted build leaves nothing at <out>. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildSpeechCorpus, partialDirOf } from './synth.js';
import { DEFAULT_FORTUNES_DIR } from './synth-text.js';
import { missingTools } from './synth-tools.js';

const missing: string[] = await missingTools();
if (!existsSync(join(DEFAULT_FORTUNES_DIR, 'fortunes'))) missing.push('fortunes');

const tiny = { speakers: 1, utterancesPerSpeaker: 2, maxWords: 6, seed: 3 };
const GIM = fileURLToPath(new URL('../../../bin/gim.js', import.meta.url));
const POLL_MS = 50;
const KILL_DEADLINE_MS = 60_000;

/** Whether any `.flac` file lies under `dir`. */
function hasFlac(dir: string): boolean {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).some((f) => f.endsWith('.flac'));
  } catch {
    return false;
  }
}

describe('buildSpeechCorpus output handling', () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gim-synth-partial-'));
  });
  afterAll(async () => {
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  it('refuses a non-empty directory or a file, naming it and no flag that does not exist', async () => {
    const full = join(root, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'mine.txt'), 'keep me\n');
    const err = await buildSpeechCorpus({ out: full, ...tiny }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(new RegExp(`^${full}: not empty`));
    expect((err as Error).message).not.toMatch(/overwrite/);
    expect(readdirSync(full)).toEqual(['mine.txt']);
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    await expect(buildSpeechCorpus({ out: file, ...tiny })).rejects.toThrow(`${file}: is a file, not a directory`);
  });

  it.skipIf(missing.length > 0)('a build that fails midway leaves nothing at <out> and no partial folder', async () => {
    const out = join(root, 'interrupted');
    let calls = 0;
    const failing = buildSpeechCorpus({
      out,
      ...tiny,
      jobs: 1,
      onProgress: () => {
        calls++;
        throw new Error('simulated kill after the first utterance');
      },
    });
    await expect(failing).rejects.toThrow(/simulated kill/);
    expect(calls).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).filter((n) => n.includes('.partial-'))).toEqual([]);
  });

  it.skipIf(missing.length > 0)(
    'removes partial folders of dead builds, and renames a finished one into place',
    async () => {
      const out = join(root, 'corpus');
      const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
      const stale = partialDirOf(out, deadPid);
      mkdirSync(join(stale, 'train-clean-100'), { recursive: true });
      writeFileSync(join(stale, 'converted_aligned_phones.txt'), '');
      mkdirSync(out); // an empty output directory is fine
      const report = await buildSpeechCorpus({ out, ...tiny });
      expect(report.utterances).toBe(2);
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(partialDirOf(out))).toBe(false);
      expect(readdirSync(out).sort()).toEqual([
        'converted_aligned_phones.txt',
        'corpus.json',
        'test_split.txt',
        'train-clean-100',
        'train_split.txt',
      ]);
    },
  );

  it.skipIf(missing.length > 0)('gim data speech killed (SIGKILL) mid-build leaves nothing at --out', async () => {
    const out = join(root, 'killed');
    const child = spawn(
      process.execPath,
      [GIM, 'data', 'speech', '--out', out, '--speakers', '2', '--utterances', '20'],
      {
        detached: true,
        stdio: 'ignore',
      },
    );
    const partial = partialDirOf(out, child.pid!);
    const started = Date.now();
    while (!hasFlac(partial) && Date.now() - started < KILL_DEADLINE_MS && child.exitCode === null)
      await sleep(POLL_MS);
    expect(hasFlac(partial)).toBe(true);
    process.kill(-child.pid!, 'SIGKILL'); // the whole group: node and its flite/sox children
    if (child.exitCode === null && child.signalCode === null) await new Promise((done) => child.once('exit', done));
    expect(existsSync(out)).toBe(false);
    expect(existsSync(partial)).toBe(true);
    await buildSpeechCorpus({ out, ...tiny });
    expect(existsSync(partial)).toBe(false);
    expect(readdirSync(out)).toContain('corpus.json');
  });

  it.skipIf(missing.length > 0)('overwrite (API only) replaces the corpus files and keeps the rest', async () => {
    const out = join(root, 'replaced');
    await buildSpeechCorpus({ out, ...tiny });
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    const report = await buildSpeechCorpus({ out, ...tiny, utterancesPerSpeaker: 3, overwrite: true });
    expect(report.utterances).toBe(3);
    expect(readdirSync(out)).toContain('notes.txt');
    expect(readdirSync(join(out, 'train-clean-100'))).toHaveLength(1);
    expect(readdirSync(root).filter((n) => n.includes('.partial-'))).toEqual([]);
  });
});
