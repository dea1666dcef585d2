/** ensureCorpus: only a preset's default data root is ever synthesised; other roots must have the LibriSpeech layout. */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { ensureCorpus, realSpeechRoots, synthesisedRoots } from './experiment.js';
import { resolveAudioConfig } from './config.js';

const FIXTURES = new URL('../../audio/data/fixtures/librispeech', import.meta.url).pathname;
const tmp = mkdtempSync(path.join(tmpdir(), 'gim-data-root-'));
const cwd = process.cwd();
afterAll(() => {
  process.chdir(cwd);
  rmSync(tmp, { recursive: true, force: true });
});

/** The tiny preset (which synthesises 4 × 4 utterances at its default root) with data.root set to `root`. */
const tinyAt = (root: string) => resolveAudioConfig('tiny', { data: { root } });
const quiet = (): void => {};

describe('ensureCorpus and data.root', () => {
  it('never writes into a user root that is missing, empty or without the layout', async () => {
    const empty = path.join(tmp, 'empty');
    mkdirSync(empty);
    const mine = path.join(tmp, 'mine');
    mkdirSync(mine);
    writeFileSync(path.join(mine, 'notes.txt'), 'x');
    const absent = path.join(tmp, 'absent');
    for (const root of [empty, mine, absent]) {
      await expect(ensureCorpus(tinyAt(root), quiet)).rejects.toThrow(
        `${root}: no train_split.txt (LibriSpeech layout expected)`,
      );
    }
    expect(readdirSync(empty)).toEqual([]);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
    expect(existsSync(absent)).toBe(false);
  });

  it('a root that is a file: a clear message, not ENOTDIR', async () => {
    const file = path.join(tmp, 'file-root');
    writeFileSync(file, 'x');
    await expect(ensureCorpus(tinyAt(file), quiet)).rejects.toThrow(`${file}: is a file, not a directory`);
  });

  it('accepts a user root with the layout', async () => {
    await expect(ensureCorpus(tinyAt(FIXTURES), quiet)).resolves.toBeUndefined();
  });

  it('the preset default roots are the synthesised ones; a half-built one there is refused', async () => {
    process.chdir(tmp);
    try {
      expect(synthesisedRoots()).toEqual(
        expect.arrayContaining([path.resolve('data/speech-tiny'), path.resolve('data/speech-small')]),
      );
      const half = path.resolve('data/speech-tiny');
      mkdirSync(path.join(half, 'train-clean-100'), { recursive: true });
      writeFileSync(path.join(half, 'train_split.txt'), '1-1-0000\n');
      writeFileSync(path.join(half, 'converted_aligned_phones.txt'), '');
      await expect(ensureCorpus(resolveAudioConfig('tiny'), quiet)).rejects.toThrow(
        /data\/speech-tiny: an incomplete synthetic corpus \(no corpus.json/,
      );
      rmSync(half, { recursive: true });
      cpSync(FIXTURES, half, { recursive: true });
      writeFileSync(path.join(half, 'corpus.json'), '{}\n');
      await expect(ensureCorpus(resolveAudioConfig('tiny'), quiet)).resolves.toBeUndefined();
    } finally {
      process.chdir(cwd);
    }
  });

  it('the real-speech presets build only at their default roots; a half-built one there is refused', async () => {
    process.chdir(tmp);
    try {
      expect(realSpeechRoots().sort()).toEqual([
        path.resolve('data/real-speech'),
        path.resolve('data/real-speech-tiny'),
      ]);
      const realTiny = resolveAudioConfig('tiny', {}, 'real');
      expect(realTiny.data).toMatchObject({ root: 'data/real-speech-tiny', phones: false, synthSpeakers: 0 });
      const half = path.resolve('data/real-speech-tiny');
      mkdirSync(path.join(half, 'train-clean-100'), { recursive: true });
      await expect(ensureCorpus(realTiny, quiet)).rejects.toThrow(
        /data\/real-speech-tiny: an incomplete real-speech corpus \(no corpus.json/,
      );
      // elsewhere, the real-speech settings never build: the root must already have the layout
      const elsewhere = path.join(tmp, 'real-elsewhere');
      const config = resolveAudioConfig('tiny', { data: { root: elsewhere } }, 'real');
      await expect(ensureCorpus(config, quiet)).rejects.toThrow(`${elsewhere}: no train_split.txt`);
      expect(existsSync(elsewhere)).toBe(false);
    } finally {
      process.chdir(cwd);
    }
  });
});
