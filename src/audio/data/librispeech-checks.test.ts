/** LibriSpeechDataset.open() finds truncated audio, wrong label counts and roots without the layout. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { fixtureTrees, openWith } from './testing/fixture-trees.js';
import { utterancePath } from './librispeech.js';
import { checkLibriSpeechRoot, phoneFrameRange } from './librispeech-files.js';

const { copyTree } = fixtureTrees('gim-libri-checks-');
const tmp = mkdtempSync(join(tmpdir(), 'gim-libri-roots-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Rewrite one utterance's line of the alignment file with `count` labels. */
function setLabelCount(root: string, id: string, count: number): string {
  const file = join(root, 'converted_aligned_phones.txt');
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => (l.startsWith(`${id} `) ? `${id} ${Array<string>(count).fill('3').join(' ')}` : l));
  writeFileSync(file, lines.join('\n'));
  return file;
}

describe('truncated FLAC files are found when the data is opened', () => {
  it('a file cut inside the audio is an error naming it at open', async () => {
    const root = copyTree();
    const cut = utterancePath(root, '103-1240-0000');
    const bytes = readFileSync(cut);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    await expect(openWith({ root, split: 'train' })).rejects.toThrow(`${cut}: truncated or corrupt FLAC stream`);
  });

  it('skipBad skips it at open and counts it', async () => {
    const root = copyTree();
    const cut = utterancePath(root, '103-1240-0000');
    const bytes = readFileSync(cut);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const { ds, warnings } = await openWith({ root, split: 'train', skipBad: true });
    expect(ds.ids).toEqual(['103-1240-0001', '1034-121119-0000', '19-198-0000']);
    expect(ds.stats()).toMatchObject({ utterances: 3, skipped: { badFile: 1 } });
    expect(warnings[0]).toContain(cut);
  });
});

describe('phone labels are checked against the audio length', () => {
  it('allows ⌊samples/160⌋ and up to two fewer (the synthetic corpus and Kaldi-style alignments)', () => {
    expect(phoneFrameRange(8000)).toEqual({ min: 48, max: 50 });
    expect(phoneFrameRange(22400 + 159)).toEqual({ min: 138, max: 140 });
  });

  it('too few or too many labels: an error naming the alignment file and the utterance, or skipped', async () => {
    for (const count of [47, 51, 100]) {
      const root = copyTree();
      const file = setLabelCount(root, '1034-121119-0000', count);
      await expect(openWith({ root, split: 'train', requirePhones: true })).rejects.toThrow(
        `${file}: utterance 1034-121119-0000 has ${count} phone labels, but its audio (8000 samples) has 50 frames`,
      );
      const { ds } = await openWith({ root, split: 'train', requirePhones: true, skipBad: true });
      expect(ds.ids).not.toContain('1034-121119-0000');
      expect(ds.stats().skipped.phoneLength).toBe(1);
    }
    const root = copyTree();
    setLabelCount(root, '1034-121119-0000', 48);
    expect((await openWith({ root, split: 'train', requirePhones: true })).ds.size).toBe(4);
  });
});

describe('data roots without the LibriSpeech layout', () => {
  it('missing, empty or layout-less: <root>: no train_split.txt (LibriSpeech layout expected)', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const other = join(tmp, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'my files\n');
    for (const root of [join(tmp, 'absent'), empty, other]) {
      await expect(openWith({ root, split: 'train' })).rejects.toThrow(
        `${root}: no train_split.txt (LibriSpeech layout expected)`,
      );
    }
    await expect(openWith({ root: empty, split: 'test' })).rejects.toThrow(
      `${empty}: no test_split.txt (LibriSpeech layout expected)`,
    );
  });

  it('a root that is a file says so (not a raw ENOTDIR)', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    await expect(checkLibriSpeechRoot(file)).rejects.toThrow(`${file}: is a file, not a directory`);
    await expect(openWith({ root: file, split: 'train' })).rejects.toThrow(`${file}: is a file, not a directory`);
    await expect(checkLibriSpeechRoot(join(file, 'below'))).rejects.toThrow(/is a file, not a directory/);
  });
});
