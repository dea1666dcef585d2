import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import {
  isUtteranceId,
  parseUtteranceId,
  readPhoneAlignments,
  readSplit,
  sortSpeakers,
  speakerOf,
  utterancePath,
} from './librispeech-files.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/librispeech/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'gim-libri-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tmpFile(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe('utterance ids and paths', () => {
  it('parses ids, speakers and paths', () => {
    expect(parseUtteranceId('103-1240-0000')).toEqual({ speaker: '103', chapter: '1240', utterance: '0000' });
    expect(speakerOf('1034-121119-0000')).toBe('1034');
    expect(utterancePath('/data/LibriSpeech', '103-1240-0000')).toBe(
      '/data/LibriSpeech/train-clean-100/103/1240/103-1240-0000.flac',
    );
    expect(utterancePath('r', '19-198-0001', 'dev-clean')).toBe('r/dev-clean/19/198/19-198-0001.flac');
    expect(isUtteranceId('103-1240')).toBe(false);
    expect(() => parseUtteranceId('103_1240_0000')).toThrow(/malformed LibriSpeech utterance id "103_1240_0000"/);
  });

  it('sorts speakers numerically', () => {
    expect(sortSpeakers(['1034', '19', '103', '19'])).toEqual(['19', '103', '1034']);
  });
});

describe('readSplit', () => {
  it('reads the fixture split in file order', async () => {
    expect(await readSplit(join(FIXTURES, 'train_split.txt'))).toEqual([
      '103-1240-0000',
      '103-1240-0001',
      '1034-121119-0000',
      '19-198-0000',
    ]);
  });

  it('ignores blank lines and CRLF, keeps repeated ids once', async () => {
    const path = tmpFile('crlf.txt', '\r\n103-1240-0000\r\n  19-198-0001 \r\n\r\n103-1240-0000\r\n');
    expect(await readSplit(path)).toEqual(['103-1240-0000', '19-198-0001']);
  });

  it('errors name the file (and line)', async () => {
    const empty = tmpFile('empty.txt', '');
    await expect(readSplit(empty)).rejects.toThrow(`${empty}: split file lists no utterance ids`);
    const blank = tmpFile('blank.txt', '\n  \n');
    await expect(readSplit(blank)).rejects.toThrow(`${blank}: split file lists no utterance ids`);
    const bad = tmpFile('bad.txt', '103-1240-0000\n103-1240-0000.flac\n');
    await expect(readSplit(bad)).rejects.toThrow(`${bad}:2: malformed utterance id "103-1240-0000.flac"`);
    const missing = join(tmp, 'missing.txt');
    await expect(readSplit(missing)).rejects.toThrow(`${missing}: cannot read split file: no such file`);
  });
});

describe('readPhoneAlignments', () => {
  it('reads one label per 10 ms frame', async () => {
    const map = await readPhoneAlignments(join(FIXTURES, 'converted_aligned_phones.txt'));
    expect(map.size).toBe(6);
    const labels = map.get('103-1240-0000')!;
    expect(labels).toBeInstanceOf(Uint8Array);
    expect(labels.length).toBe(140); // 22400 samples / 160
    expect(Array.from(labels.subarray(0, 6))).toEqual([13, 13, 13, 13, 13, 20]);
    expect(labels.every((v) => v <= 40)).toBe(true);
    expect(map.get('19-198-0001')!.length).toBe(30);
  });

  it('parses spacing and CRLF, and keeps only requested ids', async () => {
    const path = tmpFile('ok.txt', '103-1240-0000 0 40 7\r\n\n19-198-0001\t1  2\n');
    const map = await readPhoneAlignments(path);
    expect(Array.from(map.get('103-1240-0000')!)).toEqual([0, 40, 7]);
    expect(Array.from(map.get('19-198-0001')!)).toEqual([1, 2]);
    const only = await readPhoneAlignments(path, new Set(['19-198-0001']));
    expect([...only.keys()]).toEqual(['19-198-0001']);
  });

  it('errors name the file and line', async () => {
    const cases: [string, string][] = [
      ['103-1240-0000 1 2\n19-198-0001 3 41 5\n', ':2: utterance 19-198-0001: label 41 (frame 1) is outside 0..40'],
      ['103-1240-0000 1 -1\n', ':1: utterance 103-1240-0000: label "-1" is not an integer 0..40'],
      ['103-1240-0000 1 2.5\n', ':1: utterance 103-1240-0000: label "2.5" is not an integer 0..40'],
      ['103-1240-0000 1 x\n', ':1: utterance 103-1240-0000: label "x" is not an integer'],
      ['103-1240-0000\n', ':1: utterance 103-1240-0000 has no phone labels'],
      ['1 2 3\n', ':1: malformed utterance id "1"'],
      ['103-1240-0000 1\n103-1240-0000 2\n', ':2: utterance 103-1240-0000 appears a second time'],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const path = tmpFile(`bad${i}.txt`, text);
      await expect(readPhoneAlignments(path)).rejects.toThrow(`${path}${message}`);
    }
    const empty = tmpFile('empty-phones.txt', '\n');
    await expect(readPhoneAlignments(empty)).rejects.toThrow(`${empty}: phone alignment file is empty`);
    const missing = join(tmp, 'missing-phones.txt');
    await expect(readPhoneAlignments(missing)).rejects.toThrow(`${missing}: cannot read phone alignment file`);
  });
});
