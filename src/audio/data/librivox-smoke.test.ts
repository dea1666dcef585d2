/**
 * Smoke test on real speech: scripts/librivox-smoke.sh turns the LibriVox clips of Debian's pocketsphinx-testdata
 * into a LibriSpeech-style tree; every utterance must load through LibriSpeechDataset and match the WAV PCM exactly.
 * Skipped, with the reason, when the package (or flac/sox) is not installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { LibriSpeechDataset } from './librispeech.js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/librivox-smoke.sh', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'gim-librivox-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = spawnSync('bash', [SCRIPT, tmp], { encoding: 'utf8' });
const skipReason = run.status === 2 ? run.stderr.trim() : undefined;
if (skipReason) console.warn(`librivox-smoke skipped: ${skipReason}`);

/** 16-bit PCM samples of a mono WAV file (walks the RIFF chunks to `data`). */
function readWav16(path: string): { rate: number; ints: Int16Array } {
  const b = readFileSync(path);
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE')
    throw new Error(`${path}: not WAV`);
  let p = 12;
  let rate = 0;
  while (p + 8 <= b.length) {
    const id = b.toString('latin1', p, p + 4);
    const size = b.readUInt32LE(p + 4);
    if (id === 'fmt ') {
      if (b.readUInt16LE(p + 10) !== 1 || b.readUInt16LE(p + 22) !== 16) throw new Error(`${path}: not 16-bit mono`);
      rate = b.readUInt32LE(p + 12);
    }
    if (id === 'data') {
      const data = b.subarray(p + 8, p + 8 + size);
      return { rate, ints: new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)) };
    }
    p += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

describe.skipIf(skipReason !== undefined)('LibriVox clips through the LibriSpeech reader', () => {
  it('loads every clip, bit-exact against the source WAV', async () => {
    expect(run.status, run.stderr).toBe(0);
    const clips = run.stdout
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('clips '))
      .map((l) => l.split(' ') as [string, string]);
    expect(clips.length).toBeGreaterThan(0);
    const ds = await new LibriSpeechDataset({ root: tmp, split: 'train' }).open();
    expect(ds.ids).toEqual(clips.map(([id]) => id));
    let samples = 0;
    for (const [id, wav] of clips) {
      expect(existsSync(wav)).toBe(true);
      const utt = await ds.loadUtterance(id);
      const ref = readWav16(wav);
      expect(ref.rate).toBe(16000);
      expect(utt.samples.length).toBe(ref.ints.length);
      expect(utt.speaker).toBe(0);
      let mismatches = 0;
      for (let i = 0; i < ref.ints.length; i++) if (utt.samples[i]! * 32768 !== ref.ints[i]!) mismatches++;
      expect(mismatches).toBe(0);
      samples += utt.samples.length;
    }
    const stats = ds.stats();
    expect(stats).toMatchObject({ utterances: clips.length, speakers: 1 });
    expect(stats.seconds).toBeCloseTo(samples / 16000, 9);
    expect(run.stdout).toContain(`clips ${clips.length} seconds ${stats.seconds.toFixed(2)}`);
    console.log(`librivox-smoke: ${clips.length} clips, ${stats.seconds.toFixed(2)} s of speech loaded`);
  });
});
