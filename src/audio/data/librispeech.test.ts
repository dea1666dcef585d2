import { copyFileSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { LIBRISPEECH_FIXTURES, fixtureTrees, openWith } from './testing/fixture-trees.js';
import { LibriSpeechDataset, utterancePath, type LibriSpeechOptions } from './librispeech.js';
import { Rng } from '../../util/rng.js';
import { LIBRISPEECH_NORMALIZATION, minSamplesForWindow } from './window.js';

const FIXTURES = LIBRISPEECH_FIXTURES;
const { copyTree } = fixtureTrees('gim-libri-');

describe('LibriSpeechDataset on the fixture tree', () => {
  it('opens the train split: ids, numeric speaker labels, stats from headers', async () => {
    const { ds, warnings } = await openWith({ root: FIXTURES, split: 'train' });
    expect(ds.ids).toEqual(['103-1240-0000', '103-1240-0001', '1034-121119-0000', '19-198-0000']);
    expect(ds.speakers).toEqual(['19', '103', '1034']);
    expect(ds.speakerIndex('1034-121119-0000')).toBe(2);
    expect(ds.lengthOf('103-1240-0000')).toBe(22400);
    const stats = ds.stats();
    expect(stats).toMatchObject({ utterances: 4, speakers: 3, speakerLabels: 3 });
    expect(stats.seconds).toBeCloseTo((22400 + 4800 + 8000 + 6400) / 16000, 9);
    expect(stats.minutes).toBeCloseTo(stats.seconds / 60, 9);
    expect(Object.values(stats.skipped).every((n) => n === 0)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('loads utterances with speaker and phone labels, cached', async () => {
    const { ds } = await openWith({ root: FIXTURES, split: 'train', requirePhones: true });
    const utt = await ds.loadUtterance('1034-121119-0000');
    expect(utt.samples.length).toBe(8000);
    expect(utt.speaker).toBe(2);
    expect(utt.speakerId).toBe('1034');
    expect(utt.phones!.length).toBe(50);
    expect(await ds.loadUtterance('1034-121119-0000')).toBe(utt);
    const noPhones = await (
      await openWith({ root: FIXTURES, split: 'train', cacheBytes: 0 })
    ).ds.loadUtterance('19-198-0000');
    expect(noPhones.phones).toBeUndefined();
    await expect(ds.loadUtterance('19-198-0001')).rejects.toThrow(/19-198-0001 is not in this dataset/);
  });

  it('cache keeps at most cacheBytes, least recently used dropped first', async () => {
    const { ds } = await openWith({ root: FIXTURES, split: 'train', cacheBytes: 60000 });
    const a = await ds.loadUtterance('19-198-0000'); // 25600 bytes
    const b = await ds.loadUtterance('103-1240-0001'); // 19200 bytes
    expect(await ds.loadUtterance('19-198-0000')).toBe(a); // a is now the most recent
    await ds.loadUtterance('1034-121119-0000'); // 32000 bytes: b goes
    expect(await ds.loadUtterance('19-198-0000')).toBe(a);
    expect(await ds.loadUtterance('103-1240-0001')).not.toBe(b);
    const big = await ds.loadUtterance('103-1240-0000'); // 89600 bytes: over budget, never cached
    expect(await ds.loadUtterance('103-1240-0000')).not.toBe(big);
    ds.clearCache();
    expect(await ds.loadUtterance('19-198-0000')).not.toBe(a);
  });

  it('test split takes the train speaker labels when given them', async () => {
    const { ds: train } = await openWith({ root: FIXTURES, split: 'train' });
    const { ds: test } = await openWith({ root: FIXTURES, split: 'test', speakers: train.speakers });
    expect(test.ids).toEqual(['103-1240-0002', '19-198-0001']);
    expect(test.speakers).toEqual(train.speakers);
    expect((await test.loadUtterance('103-1240-0002')).speaker).toBe(1);
    const own = (await openWith({ root: FIXTURES, split: 'test' })).ds;
    expect(own.speakers).toEqual(['19', '103']);
  });

  it('unknown speakers are an error, or skipped', async () => {
    const opts: LibriSpeechOptions = { root: FIXTURES, split: 'test', speakers: ['103'] };
    await expect(openWith(opts)).rejects.toThrow(
      /speaker 19 of utterance 19-198-0001 is not in the given speaker list/,
    );
    const { ds, warnings } = await openWith({ ...opts, skipBad: true });
    expect(ds.ids).toEqual(['103-1240-0002']);
    expect(ds.stats().skipped.unknownSpeaker).toBe(1);
    expect(warnings).toHaveLength(1);
  });

  it('minSamples filters short utterances (counted, no warning)', async () => {
    const { ds, warnings } = await openWith({ root: FIXTURES, split: 'train', minSamples: minSamplesForWindow() });
    expect(ds.ids).toEqual(['103-1240-0000']);
    expect(ds.stats().skipped.tooShort).toBe(3);
    expect(ds.speakers).toEqual(['19', '103', '1034']); // labels do not depend on what was dropped
    expect(warnings).toEqual([]);
  });

  it('windows are deterministic for a seed, and start at multiples of 160', async () => {
    const { ds } = await openWith({ root: FIXTURES, split: 'train' });
    const draw = async (seed: number): Promise<number[]> => {
      const rng = new Rng(seed);
      const starts: number[] = [];
      for (let k = 0; k < 20; k++) starts.push((await ds.loadWindow('103-1240-0000', rng)).start);
      return starts;
    };
    const starts = await draw(11);
    expect(await draw(11)).toEqual(starts);
    expect(starts.every((s) => s % 160 === 0 && s >= 160 && s + 20480 < 22400)).toBe(true);
    const w = await ds.loadWindow('103-1240-0000', 11);
    expect(w).toMatchObject({ id: '103-1240-0000', speaker: 1, padded: 0 });
    expect(w.samples.length).toBe(20480);
    const short = await ds.loadWindow('19-198-0000', 3);
    expect(short).toMatchObject({ start: 0, padded: 20480 - 6400 });
  });

  it('normalises only when asked', async () => {
    const raw = await (await openWith({ root: FIXTURES, split: 'train' })).ds.loadUtterance('19-198-0000');
    const norm = await (
      await openWith({ root: FIXTURES, split: 'train', normalize: true })
    ).ds.loadUtterance('19-198-0000');
    const { mean, std } = LIBRISPEECH_NORMALIZATION;
    for (const i of [0, 100, 5000]) expect(norm.samples[i]).toBeCloseTo((raw.samples[i]! - mean) / std, 4);
  });
});

describe('LibriSpeechDataset on damaged trees: errors name the file', () => {
  it('missing audio file: error naming the path, or a warning and a count', async () => {
    const root = copyTree();
    const path = utterancePath(root, '1034-121119-0000');
    unlinkSync(path);
    await expect(openWith({ root, split: 'train' })).rejects.toThrow(
      `${path}: missing audio for utterance 1034-121119-0000 (listed in ${join(root, 'train_split.txt')})`,
    );
    const { ds, warnings } = await openWith({ root, split: 'train', skipBad: true });
    expect(ds.ids).not.toContain('1034-121119-0000');
    expect(ds.stats()).toMatchObject({ utterances: 3, skipped: { missingFile: 1 } });
    expect(ds.skipped[0]).toMatchObject({ id: '1034-121119-0000', reason: 'missingFile' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/skipped 1 of 4 utterances .* 1 missingFile \(first: .*1034-121119-0000\.flac/);
  });

  it('utterance missing from the alignment file: error naming it and the id, or skipped and counted', async () => {
    const root = copyTree();
    const alignmentFile = join(root, 'converted_aligned_phones.txt');
    const lines = readFileSync(alignmentFile, 'utf8').split('\n');
    writeFileSync(alignmentFile, lines.filter((l) => !l.startsWith('19-198-0000 ')).join('\n'));
    await expect(openWith({ root, split: 'train', requirePhones: true })).rejects.toThrow(
      `${alignmentFile}: no phone alignment for utterance 19-198-0000`,
    );
    // Without requirePhones the alignment file is not needed.
    expect((await openWith({ root, split: 'train' })).ds.size).toBe(4);
    const { ds, warnings } = await openWith({ root, split: 'train', requirePhones: true, skipBad: true });
    expect(ds.ids).toEqual(['103-1240-0000', '103-1240-0001', '1034-121119-0000']);
    expect(ds.stats().skipped.missingPhones).toBe(1);
    expect(warnings[0]).toContain('1 missingPhones');
  });

  it('wrong sample rate: error naming the file, or skipped', async () => {
    const root = copyTree();
    const path = utterancePath(root, '103-1240-0001');
    copyFileSync(join(FIXTURES, 'bad/rate-22050.flac'), path);
    await expect(openWith({ root, split: 'train' })).rejects.toThrow(
      `${path}: sample rate 22050 Hz, expected 16000 Hz`,
    );
    const { ds } = await openWith({ root, split: 'train', skipBad: true });
    expect(ds.stats().skipped.wrongSampleRate).toBe(1);
    expect((await openWith({ root, split: 'train', sampleRate: 22050, skipBad: true })).ds.ids).toEqual([
      '103-1240-0001',
    ]);
  });

  it('not-FLAC and stereo files at open; truncated audio at load', async () => {
    const root = copyTree();
    const garbage = utterancePath(root, '19-198-0000');
    writeFileSync(garbage, 'not audio at all, just text');
    await expect(openWith({ root, split: 'train' })).rejects.toThrow(`${garbage}: not a FLAC file`);
    const stereo = utterancePath(root, '103-1240-0001');
    copyFileSync(join(FIXTURES, 'bad/stereo.flac'), stereo);
    const { ds } = await openWith({ root, split: 'train', skipBad: true, multiChannel: 'error' });
    expect(ds.stats().skipped).toMatchObject({ badFile: 2 });
    const truncated = utterancePath(root, '103-1240-0000');
    writeFileSync(truncated, readFileSync(truncated).subarray(0, 5000));
    await expect(ds.loadUtterance('103-1240-0000')).rejects.toThrow(`${truncated}: truncated or corrupt FLAC stream`);
  });

  it('empty or malformed split file: error naming it', async () => {
    const root = copyTree();
    const splitFile = join(root, 'test_split.txt');
    writeFileSync(splitFile, '');
    await expect(openWith({ root, split: 'test' })).rejects.toThrow(`${splitFile}: split file lists no utterance ids`);
    const other = join(root, 'other.txt');
    writeFileSync(other, '103-1240-0000\nspeaker 19\n');
    await expect(openWith({ root, split: 'test', splitFile: other })).rejects.toThrow(`${other}:2: malformed`);
  });

  it('refuses use before open()', () => {
    const ds = new LibriSpeechDataset({ root: FIXTURES, split: 'train' });
    expect(() => ds.ids).toThrow(/call open\(\) first/);
    expect(() => ds.stats()).toThrow(/call open\(\) first/);
  });
});
