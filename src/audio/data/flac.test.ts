import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { DataFileError } from './errors.js';
import { decodeFlacBytes, decodeFlacFile, expectSampleRate, parseFlacStreamInfo, readFlacStreamInfo } from './flac.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/librispeech/', import.meta.url));
const SINE = join(FIXTURES, 'train-clean-100/103/1240/103-1240-0000.flac'); // 1.4 s, 440 Hz, amplitude 0.5
const RATE_22050 = join(FIXTURES, 'bad/rate-22050.flac');
const STEREO = join(FIXTURES, 'bad/stereo.flac'); // left: 440 Hz at 0.5, right: silent

const tmp = mkdtempSync(join(tmpdir(), 'gim-flac-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Write `bytes` to a temp file named `name` and return its path. */
function tmpFile(name: string, bytes: Uint8Array | string): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('decodeFlacFile on a known sine', () => {
  it('has the exact length, rate, frequency and amplitude', async () => {
    const { samples, sampleRate } = await decodeFlacFile(SINE);
    expect(sampleRate).toBe(16000);
    expect(samples.length).toBe(22400);
    let upward = 0;
    let peak = 0;
    let sumSq = 0;
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i]!;
      expect(Number.isFinite(v)).toBe(true);
      if (i > 0 && samples[i - 1]! < 0 && v >= 0) upward++;
      peak = Math.max(peak, Math.abs(v));
      sumSq += v * v;
    }
    const frequency = upward / (samples.length / sampleRate);
    expect(Math.abs(frequency - 440)).toBeLessThan(1);
    expect(peak).toBeGreaterThan(0.499);
    expect(peak).toBeLessThanOrEqual(0.5 + 1 / 32768);
    expect(Math.sqrt(sumSq / samples.length)).toBeCloseTo(0.5 / Math.SQRT2, 3);
  });

  it.skipIf(!hasCommand('flac'))('matches the reference libFLAC decoder bit for bit (needs the flac CLI)', async () => {
    const raw = execFileSync('flac', [
      '-d',
      '-s',
      '-c',
      '--force-raw-format',
      '--endian=little',
      '--sign=signed',
      SINE,
    ]);
    const ints = new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2);
    const { samples } = await decodeFlacFile(SINE);
    expect(samples.length).toBe(ints.length);
    for (let i = 0; i < ints.length; i++)
      if (samples[i]! * 32768 !== ints[i]!) expect(samples[i]! * 32768).toBe(ints[i]);
  });

  it('reads STREAMINFO without decoding', async () => {
    const info = await readFlacStreamInfo(SINE);
    expect(info).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, totalSamples: 22400, offset: 0 });
    expect(info.md5.some((b) => b !== 0)).toBe(true);
  });

  it('skips a leading ID3v2 tag', async () => {
    const id3 = new Uint8Array(30);
    id3.set([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 20]);
    const bytes = new Uint8Array([...id3, ...readFileSync(SINE)]);
    const path = tmpFile('id3.flac', bytes);
    expect((await readFlacStreamInfo(path)).offset).toBe(30);
    expect((await decodeFlacFile(path)).samples).toEqual((await decodeFlacFile(SINE)).samples);
  });
});

describe('sample rate and channels', () => {
  it('decodes a 22050 Hz file and expectSampleRate names it', async () => {
    const decoded = await decodeFlacFile(RATE_22050);
    expect(decoded.sampleRate).toBe(22050);
    expect(decoded.samples.length).toBe(4410);
    expect(() => expectSampleRate(decoded, 16000, RATE_22050)).toThrow(
      `${RATE_22050}: sample rate 22050 Hz, expected 16000 Hz`,
    );
    expect(() => expectSampleRate(decoded, 22050, RATE_22050)).not.toThrow();
  });

  it('mixes stereo down to mono by averaging, or refuses it', async () => {
    const { samples } = await decodeFlacFile(STEREO);
    expect(samples.length).toBe(3200);
    expect(Math.max(...samples.map(Math.abs))).toBeCloseTo(0.25, 3);
    await expect(decodeFlacFile(STEREO, { multiChannel: 'error' })).rejects.toThrow(
      `${STEREO}: 2 channels, expected mono`,
    );
  });
});

describe('bad files: errors name the file', () => {
  const sine = new Uint8Array(readFileSync(SINE));

  it('missing file and directory', async () => {
    const missing = join(tmp, 'nope.flac');
    await expect(decodeFlacFile(missing)).rejects.toThrow(`${missing}: cannot read FLAC file: no such file`);
    await expect(decodeFlacFile(tmp)).rejects.toThrow(`${tmp}: cannot read FLAC file`);
    await expect(readFlacStreamInfo(missing)).rejects.toBeInstanceOf(DataFileError);
  });

  it('not a FLAC file (bad magic), empty file', async () => {
    const wav = tmpFile('wav.flac', 'RIFF\x24\x00\x00\x00WAVEfmt ');
    await expect(decodeFlacFile(wav)).rejects.toThrow(`${wav}: not a FLAC file: starts with 52 49 46 46`);
    const empty = tmpFile('empty.flac', '');
    await expect(decodeFlacFile(empty)).rejects.toThrow(`${empty}: empty file, not a FLAC file`);
  });

  it('truncated stream: fewer samples than STREAMINFO declares', async () => {
    const half = tmpFile('half.flac', sine.subarray(0, Math.floor(sine.length / 2)));
    await expect(decodeFlacFile(half)).rejects.toThrow(
      new RegExp(
        `^${half}: truncated or corrupt FLAC stream: decoded \\d+ samples, the STREAMINFO header declares 22400`,
      ),
    );
    const noFrames = tmpFile('noframes.flac', sine.subarray(0, 1000));
    await expect(decodeFlacFile(noFrames)).rejects.toThrow(`${noFrames}: truncated or corrupt FLAC stream`);
    const inHeader = tmpFile('inheader.flac', sine.subarray(0, 30));
    await expect(decodeFlacFile(inHeader)).rejects.toThrow(`${inHeader}: truncated FLAC file`);
  });

  it('corrupt header: wrong first block, zero sample rate', async () => {
    const badType = sine.slice();
    badType[4] = 0x05;
    const p1 = tmpFile('badtype.flac', badType);
    await expect(decodeFlacFile(p1)).rejects.toThrow(`${p1}: corrupt FLAC header: first metadata block has type 5`);
    const zeroRate = sine.slice();
    zeroRate[18] = 0;
    zeroRate[19] = 0;
    zeroRate[20]! &= 0x0f;
    const p2 = tmpFile('zerorate.flac', zeroRate);
    await expect(decodeFlacFile(p2)).rejects.toThrow(`${p2}: corrupt FLAC STREAMINFO header: sample rate 0`);
    expect(() => parseFlacStreamInfo(zeroRate, 'x.flac')).toThrow(DataFileError);
  });

  it('corrupt audio frames are caught', async () => {
    const damaged = sine.slice();
    for (let i = 0; i < 64; i++) damaged[Math.floor(sine.length * 0.6) + i]! ^= 0x5a;
    const path = tmpFile('damaged.flac', damaged);
    await expect(decodeFlacFile(path)).rejects.toThrow(new RegExp(`^${path}: .*corrupt FLAC stream`));
  });

  it('MD5 mismatch is caught, and can be skipped', async () => {
    const wrongMd5 = sine.slice();
    wrongMd5[30]! ^= 0xff;
    await expect(decodeFlacBytes(wrongMd5, 'md5.flac')).rejects.toThrow(
      'md5.flac: corrupt FLAC stream: decoded audio does not match the MD5 in STREAMINFO',
    );
    const { samples } = await decodeFlacBytes(wrongMd5, 'md5.flac', { verifyMd5: false });
    expect(samples.length).toBe(22400);
  });
});

describe('decoder lookahead', () => {
  it('decodes a file whose last FLAC frame holds one sample (the parser used to drop it)', async () => {
    const { decodeFlacFile: decode, readFlacStreamInfo: info } = await import('./flac.js');
    const file = new URL('./fixtures/last-frame-1-sample.flac', import.meta.url).pathname;
    const declared = (await info(file)).totalSamples;
    expect(declared % 4096).toBe(1);
    expect((await decode(file)).samples.length).toBe(declared);
  });
});
