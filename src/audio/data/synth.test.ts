import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSpeechCorpus, type SpeechCorpusReport } from './synth.js';
import { synthSpeakers } from './synth-speakers.js';
import { DEFAULT_FORTUNES_DIR } from './synth-text.js';
import { missingTools, requireTools } from './synth-tools.js';
import { parseFlacStreamInfo } from './flac.js';
import { readPhoneAlignments, readSplit, utterancePath } from './librispeech-files.js';

const missing: string[] = await missingTools();
if (!existsSync(join(DEFAULT_FORTUNES_DIR, 'fortunes'))) missing.push('fortunes');
if (missing.length > 0) {
  console.warn(
    `synth.test.ts: skipping corpus tests, missing ${missing.join(', ')} (apt-get install -y flite sox flac fortunes)`,
  );
}

const tiny = { speakers: 3, utterancesPerSpeaker: 2, maxWords: 8 };
const read = (dir: string, name: string): Promise<string> => readFile(join(dir, name), 'utf8');
const ids = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('synthSpeakers', () => {
  it('makes at least 24 distinct speakers with distinct ids', () => {
    const speakers = synthSpeakers(48);
    expect(new Set(speakers.map((s) => s.id)).size).toBe(48);
    expect(new Set(speakers.map((s) => `${s.voice}/${s.pitchCents}/${s.durationStretch}`)).size).toBe(48);
    expect(speakers.slice(0, 4).map((s) => s.voice)).toEqual(['kal16', 'awb', 'rms', 'slt']);
    expect(() => synthSpeakers(49)).toThrow(/outside/);
  });
});

describe('requireTools', () => {
  it('names the Debian packages of missing tools', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(requireTools()).rejects.toThrow(/flite, sox, flac.*apt-get install -y flite sox flac/);
    } finally {
      process.env.PATH = path;
    }
  });
});

describe.skipIf(missing.length > 0)('buildSpeechCorpus (flite, sox, flac)', () => {
  let root = '';
  let a = '';
  let report: SpeechCorpusReport;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gim-synth-'));
    a = join(root, 'a');
    report = await buildSpeechCorpus({ out: a, seed: 7, ...tiny });
  });
  afterAll(async () => {
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  it('writes the LibriSpeech layout with 16 kHz mono 16-bit FLAC', async () => {
    expect(report).toMatchObject({ speakers: 3, utterances: 6, trainUtterances: 3, testUtterances: 3 });
    expect(report.minutes).toBeGreaterThan(0);
    expect((await readdir(a)).sort()).toEqual(
      ['converted_aligned_phones.txt', 'corpus.json', 'test_split.txt', 'train-clean-100', 'train_split.txt'].sort(),
    );
    expect((await readdir(join(a, 'train-clean-100'))).sort()).toEqual(['9001', '9002', '9003']);
    const files = (await readdir(join(a, 'train-clean-100', '9002', '90020'))).sort();
    expect(files).toEqual(['9002-90020-0000.flac', '9002-90020-0001.flac', '9002-90020.trans.txt']);
    const corpus = JSON.parse(await read(a, 'corpus.json')) as { seed: number; counts: { utterances: number } };
    expect(corpus.seed).toBe(7);
    expect(corpus.counts.utterances).toBe(6);
  });

  it('aligns floor(samples / 160) labels in 0..40 to every utterance', async () => {
    const rows = ids(await read(a, 'converted_aligned_phones.txt'));
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      const [id, ...labels] = row.split(' ') as [string, ...string[]];
      const [spk, chapter] = id.split('-') as [string, string];
      const flac = await readFile(join(a, 'train-clean-100', spk, chapter, `${id}.flac`));
      // STREAMINFO by hand: sample rate in bits 0..19 of byte 18, total samples in the low 36 bits of bytes 21..25.
      expect(flac.subarray(0, 4).toString('latin1')).toBe('fLaC');
      expect((flac[18]! << 12) | (flac[19]! << 4) | (flac[20]! >> 4)).toBe(16000);
      const samples = (flac[21]! & 0xf) * 2 ** 32 + flac.readUInt32BE(22);
      expect(parseFlacStreamInfo(flac, id)).toMatchObject({
        sampleRate: 16000,
        channels: 1,
        bitsPerSample: 16,
        totalSamples: samples,
      });
      expect(labels).toHaveLength(Math.floor(samples / 160));
      expect(labels.every((l) => /^\d+$/.test(l) && Number(l) <= 40)).toBe(true);
      expect(labels[0]).toBe('0'); // flite starts with a pause
    }
    // The header agrees with the decoded audio.
    const first = ids(await read(a, 'train_split.txt'))[0]!;
    const [spk, chapter] = first.split('-') as [string, string];
    const pcm = execFileSync('flac', [
      '-d',
      '-s',
      '-c',
      '--force-raw-format',
      '--endian=little',
      '--sign=signed',
      join(a, 'train-clean-100', spk, chapter, `${first}.flac`),
    ]);
    const row = rows.find((r) => r.startsWith(`${first} `))!;
    expect(row.split(' ').length - 1).toBe(Math.floor(pcm.length / 2 / 160));
  });

  it('splits every speaker into disjoint train and test sets covering all utterances', async () => {
    const train = ids(await read(a, 'train_split.txt'));
    const test = ids(await read(a, 'test_split.txt'));
    const all = ids(await read(a, 'converted_aligned_phones.txt')).map((r) => r.split(' ')[0]);
    expect(train.filter((id) => test.includes(id))).toEqual([]);
    expect([...train, ...test].sort()).toEqual(all);
    const speakersOf = (xs: string[]): string[] => [...new Set(xs.map((id) => id.split('-')[0]!))].sort();
    expect(speakersOf(train)).toEqual(['9001', '9002', '9003']);
    expect(speakersOf(test)).toEqual(['9001', '9002', '9003']);
  });

  it('is read by the LibriSpeech file readers', async () => {
    const train = await readSplit(join(a, 'train_split.txt'));
    const test = await readSplit(join(a, 'test_split.txt'));
    const phones = await readPhoneAlignments(join(a, 'converted_aligned_phones.txt'));
    expect(phones.size).toBe(train.length + test.length);
    for (const id of [...train, ...test]) expect(existsSync(utterancePath(a, id))).toBe(true);
  });

  it('is deterministic for a seed and changes with it', async () => {
    const b = join(root, 'b');
    const c = join(root, 'c');
    await buildSpeechCorpus({ out: b, seed: 7, ...tiny });
    await buildSpeechCorpus({ out: c, seed: 8, ...tiny });
    for (const name of ['train_split.txt', 'test_split.txt', 'converted_aligned_phones.txt', 'corpus.json']) {
      expect(await read(b, name)).toBe(await read(a, name));
    }
    expect(await read(c, 'converted_aligned_phones.txt')).not.toBe(await read(a, 'converted_aligned_phones.txt'));
  });

  it('refuses a non-empty directory without overwrite', async () => {
    await expect(buildSpeechCorpus({ out: a, seed: 7, ...tiny })).rejects.toThrow(/not empty/);
  });
});
