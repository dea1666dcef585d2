/**
 * FLAC files to mono Float32 audio in [-1, 1], over the wasm libFLAC decoder `@wasm-audio-decoders/flac`.
 *
 * Every failure is a {@link DataFileError} whose message starts with the file: unreadable or missing files, files that
 * are not FLAC, corrupt STREAMINFO headers, decoder errors, streams shorter (or longer) than the sample count STREAMINFO
 * declares (truncated files), audio whose MD5 differs from the one STREAMINFO records, and non-finite samples.
 * Samples are int / 2^(bits−1), the scale soundfile and torchaudio give (so the reference's normalisation constants
 * apply). Multi-channel files are mixed down to mono by averaging the channels (LibriSpeech is mono); pass
 * `multiChannel: 'error'` to refuse them instead.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';

import { FLACDecoder } from '@wasm-audio-decoders/flac';

import { DataFileError, describeFsError, withFlacFile } from './errors.js';
import { checkFlacEnd, checkFrameAgainstInfo, firstFrameOffset, parseFrameHeader } from './flac-frames.js';

/** What the STREAMINFO block of a FLAC file declares. */
export interface FlacStreamInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Samples per channel; 0 means the encoder did not know (streams), and no length check is possible. */
  totalSamples: number;
  /** MD5 of the raw interleaved PCM; all zeros when the encoder did not compute it. */
  md5: Uint8Array;
  /** Byte offset of the `fLaC` magic (non-zero after an ID3v2 tag). */
  offset: number;
  /** Largest block (samples per channel in a frame); a fixed-block-size stream numbers its frames in these. */
  maxBlockSize: number;
  /** Largest frame in bytes; 0 when the encoder did not record it. */
  maxFrameSize: number;
}

/** Mono audio decoded from a file. */
export interface DecodedAudio {
  /** Mono samples int / 2^(bits−1), in [-1, 1); never NaN or infinite. */
  samples: Float32Array;
  sampleRate: number;
}

/** How {@link decodeFlacFile} treats multi-channel files and the STREAMINFO MD5. */
export interface DecodeFlacOptions {
  /** `'mix'` (default): average the channels to mono; `'error'`: refuse files with more than one channel. */
  multiChannel?: 'mix' | 'error';
  /** Check the decoded audio against the STREAMINFO MD5 when one is recorded (default true; skipped above 24 bits). */
  verifyMd5?: boolean;
}

const STREAMINFO_END = 42; // "fLaC" + 4-byte block header + 34-byte STREAMINFO

/** Bytes as hex and printable text, for "not a FLAC file" messages. */
function showBytes(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return `${hex} "${text}"`;
}

/** Offset just past an ID3v2 tag at the start of `bytes`, or 0 when there is none. */
function skipId3(bytes: Uint8Array): number {
  if (bytes.length < 10 || bytes[0] !== 0x49 || bytes[1] !== 0x44 || bytes[2] !== 0x33) return 0;
  const size = ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f);
  return 10 + size + (bytes[5]! & 0x10 ? 10 : 0);
}

/** Parse and validate the `fLaC` magic and STREAMINFO block at the start of `bytes`; errors name `file`. */
export function parseFlacStreamInfo(bytes: Uint8Array, file: string): FlacStreamInfo {
  if (bytes.length === 0) throw new DataFileError(file, 'empty file, not a FLAC file');
  const o = skipId3(bytes);
  const magic = bytes.subarray(o, o + 4);
  if (magic.length < 4 || magic[0] !== 0x66 || magic[1] !== 0x4c || magic[2] !== 0x61 || magic[3] !== 0x43) {
    throw new DataFileError(
      file,
      `not a FLAC file: starts with ${showBytes(bytes.subarray(o, o + 8))}, expected "fLaC"`,
    );
  }
  if (bytes.length < o + STREAMINFO_END) {
    throw new DataFileError(file, `truncated FLAC file: ${bytes.length} bytes end inside the STREAMINFO header`);
  }
  const b = (i: number): number => bytes[o + i]!;
  const type = b(4) & 0x7f;
  const length = (b(5) << 16) | (b(6) << 8) | b(7);
  if (type !== 0 || length !== 34) {
    throw new DataFileError(
      file,
      `corrupt FLAC header: first metadata block has type ${type} and length ${length}, expected STREAMINFO (type 0, length 34)`,
    );
  }
  const minBlock = (b(8) << 8) | b(9);
  const maxBlock = (b(10) << 8) | b(11);
  const maxFrameSize = (b(15) << 16) | (b(16) << 8) | b(17);
  const sampleRate = (b(18) << 12) | (b(19) << 4) | (b(20) >> 4);
  const channels = ((b(20) >> 1) & 7) + 1;
  const bitsPerSample = (((b(20) & 1) << 4) | (b(21) >> 4)) + 1;
  const totalSamples = (b(21) & 0x0f) * 2 ** 32 + ((b(22) << 24) >>> 0) + ((b(23) << 16) | (b(24) << 8) | b(25));
  const problems: string[] = [];
  if (sampleRate === 0) problems.push('sample rate 0');
  if (minBlock < 16 || maxBlock < minBlock) problems.push(`block sizes ${minBlock}..${maxBlock}`);
  if (bitsPerSample < 4) problems.push(`${bitsPerSample} bits per sample`);
  if (problems.length > 0) throw new DataFileError(file, `corrupt FLAC STREAMINFO header: ${problems.join(', ')}`);
  return {
    sampleRate,
    channels,
    bitsPerSample,
    totalSamples,
    md5: bytes.slice(o + 26, o + 42),
    offset: o,
    maxBlockSize: maxBlock,
    maxFrameSize,
  };
}

/** Read and validate only the STREAMINFO header of a FLAC file (cheap: no decoding); errors name the file. */
export async function readFlacStreamInfo(path: string): Promise<FlacStreamInfo> {
  return withFlacFile(path, async (handle) => {
    const head = new Uint8Array(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const bytes = head.subarray(0, bytesRead);
    const o = skipId3(bytes);
    if (o + STREAMINFO_END <= bytes.length || o === 0) return parseFlacStreamInfo(bytes, path);
    // A large ID3v2 tag: read the header behind it.
    const again = new Uint8Array(o + STREAMINFO_END);
    const { bytesRead: n } = await handle.read(again, 0, again.length, 0);
    return parseFlacStreamInfo(again.subarray(0, n), path);
  });
}

/**
 * STREAMINFO of a FLAC file, and a check of its end without decoding: the last frame is intact (CRC-16), ends at the
 * declared sample count and agrees with STREAMINFO (bits per sample, channels, rate). Finds files truncated inside the
 * audio by reading a few kilobytes; errors name the file.
 */
export async function readCheckedFlacInfo(path: string): Promise<FlacStreamInfo> {
  const info = await readFlacStreamInfo(path);
  await checkFlacEnd(path, info);
  return info;
}

/**
 * The decoder's floats back to integer PCM: it outputs int / (2^(bits−1) − 1), which float32 holds exactly enough up to
 * 24 bits for rounding to recover the integer (checked over every value). Wider samples are scaled without rounding.
 */
function toIntegers(channel: Float32Array, frames: number, bitsPerSample: number): Float64Array {
  const m = 2 ** (bitsPerSample - 1) - 1;
  const out = new Float64Array(frames);
  if (bitsPerSample <= 24) for (let i = 0; i < frames; i++) out[i] = Math.round(channel[i]! * m);
  else for (let i = 0; i < frames; i++) out[i] = channel[i]! * m;
  return out;
}

/** MD5 of interleaved little-endian signed PCM, as FLAC's STREAMINFO records it. */
function pcmMd5(channels: Float64Array[], frames: number, bitsPerSample: number): Uint8Array {
  const bytesPer = Math.ceil(bitsPerSample / 8);
  const out = Buffer.alloc(frames * channels.length * bytesPer);
  if (bytesPer === 2 && endianness() === 'LE') {
    // Fast path for 16-bit audio (LibriSpeech) on little-endian machines.
    const view = new Int16Array(out.buffer, out.byteOffset, frames * channels.length);
    const c = channels.length;
    channels.forEach((ch, k) => {
      for (let i = 0; i < frames; i++) view[i * c + k] = ch[i]!;
    });
  } else {
    let p = 0;
    for (let i = 0; i < frames; i++) {
      for (const ch of channels) {
        out.writeIntLE(ch[i]!, p, bytesPer);
        p += bytesPer;
      }
    }
  }
  return createHash('md5').update(out).digest();
}

/**
 * Zero bytes appended after the stream: the decoder's frame parser (codec-parser) only emits a frame once it can look
 * past its end, and without this lookahead it sometimes drops the file's last frame (seen on ~0.5% of files: 61440 of
 * 61441 samples decoded, while `flac -d` gives all of them). With the padding every sample is decoded.
 */
const LOOKAHEAD_PADDING = 64;

/** Run the decoder with its console.error reports captured (it logs each decode error before returning it). */
async function decodeQuietly(stream: Uint8Array): Promise<Awaited<ReturnType<FLACDecoder['decodeFile']>>> {
  const bytes = new Uint8Array(stream.length + LOOKAHEAD_PADDING);
  bytes.set(stream);
  const decoder = new FLACDecoder();
  await decoder.ready;
  try {
    const original = console.error;
    let pending;
    // The decoding itself runs synchronously inside decodeFile (before its first await), so the swap covers it.
    console.error = () => {};
    try {
      pending = decoder.decodeFile(bytes);
    } finally {
      console.error = original;
    }
    return await pending;
  } finally {
    decoder.free();
  }
}

/** Decode FLAC bytes (named `file` in errors) to mono samples in [-1, 1], validated as the module comment says. */
export async function decodeFlacBytes(
  bytes: Uint8Array,
  file: string,
  options: DecodeFlacOptions = {},
): Promise<DecodedAudio> {
  const info = parseFlacStreamInfo(bytes, file);
  const first = firstFrameOffset(bytes, info);
  const firstFrame = first === null ? null : parseFrameHeader(bytes, first, info);
  if (firstFrame !== null) checkFrameAgainstInfo(firstFrame, info, file);
  const { multiChannel = 'mix', verifyMd5 = true } = options;
  if (info.channels > 1 && multiChannel === 'error') {
    throw new DataFileError(file, `${info.channels} channels, expected mono`);
  }
  let result;
  try {
    result = await decodeQuietly(info.offset === 0 ? bytes : bytes.subarray(info.offset));
  } catch (err) {
    throw new DataFileError(file, `corrupt FLAC stream: ${(err as Error).message}`, { cause: err });
  }
  const n = result.samplesDecoded;
  if (result.errors.length > 0) {
    const first = result.errors[0]!;
    throw new DataFileError(
      file,
      `corrupt FLAC stream: ${result.errors.length} decoder error(s), first at byte ${first.inputBytes}: ${first.message}`,
    );
  }
  if (info.totalSamples > 0 && n !== info.totalSamples) {
    const what = n < info.totalSamples ? 'truncated or corrupt' : 'corrupt';
    throw new DataFileError(
      file,
      `${what} FLAC stream: decoded ${n} samples, the STREAMINFO header declares ${info.totalSamples}`,
    );
  }
  if (n === 0) throw new DataFileError(file, 'FLAC stream holds no audio frames');
  if (result.sampleRate !== info.sampleRate || result.channelData.length !== info.channels) {
    throw new DataFileError(
      file,
      `corrupt FLAC stream: frames say ${result.channelData.length} channel(s) at ${result.sampleRate} Hz, ` +
        `STREAMINFO says ${info.channels} at ${info.sampleRate} Hz`,
    );
  }
  const bits = info.bitsPerSample;
  const ints = result.channelData.map((c) => toIntegers(c, n, bits));
  if (verifyMd5 && bits <= 24 && info.md5.some((x) => x !== 0)) {
    const md5 = pcmMd5(ints, n, bits);
    if (!md5.every((x, i) => x === info.md5[i])) {
      throw new DataFileError(file, 'corrupt FLAC stream: decoded audio does not match the MD5 in STREAMINFO');
    }
  }
  // int / 2^(bits−1), the scale soundfile and torchaudio (the reference) use: 16-bit −32768 → −1.
  const scale = 1 / (2 ** (bits - 1) * ints.length);
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const ch of ints) sum += ch[i]!;
    const v = sum * scale;
    if (!(v >= -1 && v <= 1)) throw new DataFileError(file, `decoded sample ${i} is ${v}, outside [-1, 1]`);
    samples[i] = v;
  }
  return { samples, sampleRate: info.sampleRate };
}

/** Read and decode a FLAC file to mono samples in [-1, 1]; every error names the file. */
export async function decodeFlacFile(path: string, options: DecodeFlacOptions = {}): Promise<DecodedAudio> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DataFileError(path, `cannot read FLAC file: ${describeFsError(err)}`, { cause: err });
  }
  return decodeFlacBytes(bytes, path, options);
}

/** Throw `<path>: sample rate 22050 Hz, expected 16000 Hz` unless `decoded` has the expected rate. */
export function expectSampleRate(decoded: { sampleRate: number }, expected: number, path: string): void {
  if (decoded.sampleRate !== expected) {
    throw new DataFileError(path, `sample rate ${decoded.sampleRate} Hz, expected ${expected} Hz`);
  }
}
