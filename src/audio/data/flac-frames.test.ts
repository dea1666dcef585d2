import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { decodeFlacFile, parseFlacStreamInfo, readCheckedFlacInfo } from './flac.js';
import { checkFlacTail, firstFrameOffset, flacCrc16, flacCrc8, parseFrameHeader } from './flac-frames.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SINE = join(FIXTURES, 'librispeech/train-clean-100/103/1240/103-1240-0000.flac'); // 22400 samples, 16-bit
const ONE_SAMPLE_LAST = join(FIXTURES, 'last-frame-1-sample.flac');

const tmp = mkdtempSync(join(tmpdir(), 'gim-flac-frames-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tmpFile(name: string, bytes: Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** Every `.flac` under a directory. */
function flacFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.flac'))
    .map((f) => join(dir, f));
}

describe('FLAC CRCs', () => {
  it('match the check values of CRC-8/SMBUS and CRC-16/UMTS', () => {
    const text = new TextEncoder().encode('123456789');
    expect(flacCrc8(text, 0, text.length)).toBe(0xf4);
    expect(flacCrc16(text, 0, text.length)).toBe(0xfee8);
  });
});

describe('frame headers and the end-of-file check', () => {
  const sine = new Uint8Array(readFileSync(SINE));
  const info = parseFlacStreamInfo(sine, SINE);

  it('reads the first frame header of a 16-bit mono file', () => {
    const first = firstFrameOffset(sine, info)!;
    expect(parseFrameHeader(sine, first, info)).toMatchObject({
      firstSample: 0,
      channels: 1,
      bitsPerSample: 16,
    });
  });

  it('passes every intact fixture, including one whose last frame holds one sample', async () => {
    const files = [...flacFiles(FIXTURES), ONE_SAMPLE_LAST];
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) await expect(readCheckedFlacInfo(f), f).resolves.toMatchObject({ offset: 0 });
  });

  it('finds a file truncated inside the audio without decoding it', async () => {
    for (const fraction of [0.3, 0.6, 0.95]) {
      const cut = tmpFile(`cut-${fraction}.flac`, sine.subarray(0, Math.floor(sine.length * fraction)));
      await expect(readCheckedFlacInfo(cut)).rejects.toThrow(`${cut}: truncated or corrupt FLAC stream: no frame ends`);
    }
  });

  it('finds a file cut exactly at a frame boundary by its sample count', async () => {
    let lastStart = -1;
    for (let p = sine.length - 3; p > 0 && lastStart < 0; p--) if (parseFrameHeader(sine, p, info)) lastStart = p;
    expect(lastStart).toBeGreaterThan(0);
    const cut = tmpFile('boundary.flac', sine.subarray(0, lastStart));
    await expect(readCheckedFlacInfo(cut)).rejects.toThrow(
      new RegExp(`^${cut}: truncated FLAC stream: its frames end at sample \\d+, the STREAMINFO header declares 22400`),
    );
  });

  it('rejects a STREAMINFO bits-per-sample that disagrees with the frames, at open and at decode', async () => {
    const wide = sine.slice();
    // bits per sample − 1 sits in the low bit of byte 20 and the high nibble of byte 21: 16 → 24.
    wide[20]! |= 1;
    wide[21] = (wide[21]! & 0x0f) | (0x7 << 4);
    wide.fill(0, 26, 42); // no MD5, so nothing else would notice
    const path = tmpFile('bps.flac', wide);
    const message = `${path}: corrupt FLAC stream: its frames hold 16-bit samples, STREAMINFO says 24-bit`;
    await expect(readCheckedFlacInfo(path)).rejects.toThrow(message);
    await expect(decodeFlacFile(path)).rejects.toThrow(message);
  });

  it('accepts a trailing ID3v1 tag', () => {
    const tag = new Uint8Array(128);
    tag.set([0x54, 0x41, 0x47]);
    expect(() => checkFlacTail(new Uint8Array([...sine, ...tag]), info, 'tagged.flac')).not.toThrow();
  });
});
