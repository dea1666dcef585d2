/** buildSpeechCorpus builds beside its output and renames into place: an interrupted build leaves nothing at <out>. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildSpeechCorpus, partialDirOf } from './synth.js';
import { DEFAULT_FORTUNES_DIR } from './synth-text.js';
import { missingTools } from './synth-tools.js';

const missing: string[] = await missingTools();
if (!existsSync(join(DEFAULT_FORTUNES_DIR, 'fortunes'))) missing.push('fortunes');

const tiny = { speakers: 1, utterancesPerSpeaker: 2, maxWords: 6, seed: 3 };

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
});
