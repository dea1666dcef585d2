import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { readFlacStreamInfo } from './flac.js';
import { LibriSpeechDataset, speakerOf } from './librispeech.js';
import { buildRealSpeechCorpus, type RealSpeechArgs } from './real-speech.js';
import { findSourceRoot } from './real-speech-sources.js';
import {
  FAKE_DUPLICATES,
  FAKE_VOICES,
  writeCorruptClip,
  writeFakeVoicePackages,
} from './testing/fake-voice-packages.js';

const tmp = mkdtempSync(join(tmpdir(), 'gim-real-speech-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const roots = writeFakeVoicePackages(join(tmp, 'packages'));
const base = (out: string, more: Partial<RealSpeechArgs> = {}): RealSpeechArgs => ({
  out: join(tmp, out),
  roots,
  minClips: 3,
  jobs: 1,
  ...more,
});

/** Every file under `dir` with the sha256 of its bytes. */
function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const path = join(dir, name);
    try {
      out[name] = createHash('sha256').update(readFileSync(path)).digest('hex');
    } catch {
      // a folder
    }
  }
  return out;
}

interface ManifestClip {
  id: string;
  speaker: number;
  voice: string;
  language: string;
  source: string;
  package: string;
  sourceFile: string;
  sha256: string;
  seconds: number;
  text: string | null;
  split: 'train' | 'test';
}

describe('gim data real-speech (fake package tree)', () => {
  it('writes the LibriSpeech layout, the manifest and a per-speaker split that LibriSpeechDataset reads without phones', async () => {
    const r = await buildRealSpeechCorpus(base('a'));
    const out = join(tmp, 'a');
    const kept = Object.entries(FAKE_VOICES).filter(([, n]) => n >= 3);
    expect(r.voices.map((v) => v.voice).sort()).toEqual(kept.map(([v]) => v).sort());
    expect(r.droppedVoices).toEqual({ 'tuxpaint-it': 1 });
    expect(r.duplicates).toBe(FAKE_DUPLICATES);
    expect(r.unsupported).toEqual({ opus: 1 });
    expect(r.clips).toBe(kept.reduce((a, [, n]) => a + n, 0));
    expect(r.trainClips + r.testClips).toBe(r.clips);
    for (const f of ['train_split.txt', 'test_split.txt', 'manifest.json', 'corpus.json'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(join(out, 'converted_aligned_phones.txt'))).toBe(false);

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      note: string;
      clips: ManifestClip[];
    };
    expect(manifest.note).toMatch(/voice and language coincide/);
    expect(manifest.clips).toHaveLength(r.clips);
    const train = readFileSync(join(out, 'train_split.txt'), 'utf8').trim().split('\n');
    const test = readFileSync(join(out, 'test_split.txt'), 'utf8').trim().split('\n');
    for (const c of manifest.clips) {
      const [speaker, chapter] = c.id.split('-');
      const info = await readFlacStreamInfo(join(out, 'train-clean-100', speaker!, chapter!, `${c.id}.flac`));
      expect([info.sampleRate, info.channels, info.bitsPerSample]).toEqual([16000, 1, 16]);
      expect(c.seconds).toBeCloseTo(info.totalSamples / 16000, 6);
      expect(c.seconds).toBeCloseTo(0.3, 2);
      expect(c.voice).toBe(`${c.source}-${c.language}`);
      expect(c.package).toBe(c.source === 'tuxpaint' ? 'tuxpaint-stamps-default' : 'ktuberling-data');
      expect(existsSync(join(c.source === 'tuxpaint' ? roots.tuxpaint : roots.ktuberling, c.sourceFile))).toBe(true);
      expect((c.split === 'train' ? train : test).includes(c.id)).toBe(true);
    }
    const byFile = new Map(manifest.clips.map((c) => [c.sourceFile, c]));
    expect(byFile.get('stamps/animals/cat_desc_de.ogg')?.text).toBe('Ein CAT.');
    expect(byFile.get('stamps/animals/owl_desc_fr.ogg')?.text).toBe('Un owl.');
    expect(byFile.get('ca/ball.wav')?.text).toBe('ball');
    expect([...byFile.keys()].some((f) => f.startsWith('sr@latin'))).toBe(false);
    expect([...byFile.keys()].some((f) => /cat\.ogg$/.test(f))).toBe(false); // sound effects are not descriptions

    // The split: held-out clips of every voice, nothing in both.
    expect(train.filter((id) => test.includes(id))).toEqual([]);
    for (const v of r.voices) {
      expect(test.filter((id) => speakerOf(id) === String(v.speaker)).length, v.voice).toBe(v.test);
      expect(v.test >= 1 && v.train >= 1, v.voice).toBe(true);
    }
    const trainSet = await new LibriSpeechDataset({ root: out, split: 'train', requirePhones: false }).open();
    const testSet = await new LibriSpeechDataset({
      root: out,
      split: 'test',
      requirePhones: false,
      speakers: trainSet.speakers,
    }).open();
    expect(trainSet.speakers).toHaveLength(r.voices.length);
    expect(testSet.stats().speakers).toBe(r.voices.length);
    expect((await testSet.loadUtterance(testSet.ids[0]!)).samples.length).toBe(4800);
  }, 60_000);

  it('is deterministic, and a second build on the complete folder does nothing', async () => {
    const r1 = await buildRealSpeechCorpus(base('b1'));
    const r2 = await buildRealSpeechCorpus(base('b2'));
    expect(r2.clips).toBe(r1.clips);
    expect(treeHashes(join(tmp, 'b2'))).toEqual(treeHashes(join(tmp, 'b1')));
    const before = treeHashes(join(tmp, 'b1'));
    const again = await buildRealSpeechCorpus(base('b1'));
    expect(again.alreadyComplete).toBe(true);
    expect(again.clips).toBe(r1.clips);
    expect(treeHashes(join(tmp, 'b1'))).toEqual(before);
    await expect(buildRealSpeechCorpus(base('b1', { seed: 5 }))).rejects.toThrow(/other arguments/);
    // another seed: another split of the same clips
    const r3 = await buildRealSpeechCorpus(base('b3', { seed: 5 }));
    expect(r3.clips).toBe(r1.clips);
    const split = (d: string): string => readFileSync(join(tmp, d, 'test_split.txt'), 'utf8');
    expect(split('b3')).not.toBe(split('b1'));
  }, 60_000);

  it('refuses a non-empty folder that is not a complete corpus, and leaves it untouched', async () => {
    const out = join(tmp, 'foreign');
    mkdirSync(join(out, 'train-clean-100'), { recursive: true });
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await expect(buildRealSpeechCorpus(base('foreign'))).rejects.toThrow(/foreign: not empty and not a complete/);
    expect(readdirSync(out).sort()).toEqual(['notes.txt', 'train-clean-100']);
    expect(readdirSync(tmp).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('names a recording sox cannot decode and leaves no corpus; with skipBad counts it and goes on', async () => {
    const packages = writeFakeVoicePackages(join(tmp, 'packages-bad'));
    const corrupt = join(packages.tuxpaint, 'stamps', 'animals', 'bee_desc_de.ogg');
    writeCorruptClip(corrupt);
    const args = { ...base('bad'), roots: packages };
    await expect(buildRealSpeechCorpus(args)).rejects.toThrow(corrupt);
    expect(existsSync(join(tmp, 'bad'))).toBe(false);
    expect(readdirSync(tmp).filter((n) => n.includes('partial'))).toEqual([]);
    const r = await buildRealSpeechCorpus({ ...args, skipBad: true });
    expect(r.bad).toEqual([corrupt]);
    expect(r.voices.find((v) => v.voice === 'tuxpaint-de')?.clips).toBe(FAKE_VOICES['tuxpaint-de']);
  }, 60_000);

  it('caps clips per voice, and drops voices with fewer than minClips clips before the cap', async () => {
    const r = await buildRealSpeechCorpus(base('cap', { maxPerVoice: 2, minClips: 4 }));
    expect(r.voices.map((v) => [v.voice, v.clips, v.train, v.test])).toEqual([
      ['ktuberling-ca', 2, 1, 1],
      ['tuxpaint-de', 2, 1, 1],
      ['tuxpaint-fr', 2, 1, 1],
    ]);
    expect(r.droppedVoices).toEqual({ 'ktuberling-sr': 3, 'tuxpaint-it': 1 });
  }, 60_000);

  it('says which package to install when a source is missing', async () => {
    const args = { ...base('missing'), roots: { ktuberling: roots.ktuberling, tuxpaint: join(tmp, 'nowhere') } };
    await expect(buildRealSpeechCorpus(args)).rejects.toThrow(/nowhere: no stamps\/ folder/);
  });
});

const installed =
  (await findSourceRoot('tuxpaint')) !== undefined && (await findSourceRoot('ktuberling')) !== undefined;
const hasSox = spawnSync('sox', ['--version']).status === 0;

describe.skipIf(!installed || !hasSox)('gim data real-speech (Debian packages installed)', () => {
  it('builds 3 clips of every voice from tuxpaint-stamps-default and ktuberling-data', async () => {
    const r = await buildRealSpeechCorpus({ out: join(tmp, 'debian'), maxPerVoice: 3, jobs: 1 });
    expect(r.voices.length).toBeGreaterThanOrEqual(10);
    expect(new Set(r.voices.map((v) => v.source))).toEqual(new Set(['tuxpaint', 'ktuberling']));
    expect(r.voices.every((v) => v.clips === 3 && v.test === 1)).toBe(true);
    expect(r.voices.some((v) => v.voice.startsWith('ktuberling-sr@'))).toBe(false); // copies of sr
    expect(r.unsupported.opus).toBeGreaterThan(0);
    expect(existsSync(join(tmp, 'debian', 'corpus.json'))).toBe(true);
  }, 120_000);
});
