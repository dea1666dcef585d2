/**
 * FLAC frame headers and the cheap end-of-file check that finds truncated files without decoding them.
 *
 * A FLAC frame starts with a header (sync code 0xFFF8/0xFFF9, block size, sample rate, channels, bits per sample,
 * frame or sample number, CRC-8) and ends with a CRC-16 over the whole frame. {@link checkFlacEnd} reads only the tail
 * of a file, finds the frame that ends exactly at the end of the file with a valid CRC-16, and checks that it is the
 * last frame STREAMINFO promises (its samples end at `totalSamples`) and that its bits per sample, channels and sample
 * rate agree with STREAMINFO. A file cut inside the audio has no such frame, or one that ends too early.
 */

import { DataFileError, withFlacFile } from './errors.js';
import type { FlacStreamInfo } from './flac.js';

/** What a frame header declares; `null` where the header defers to STREAMINFO. */
export interface FlacFrameHeader {
  /** Samples per channel in this frame. */
  blockSize: number;
  /** First sample of the frame (frame number × STREAMINFO block size for fixed-block-size streams). */
  firstSample: number;
  channels: number;
  bitsPerSample: number | null;
  sampleRate: number | null;
  /** Header bytes, CRC-8 included. */
  length: number;
}

const SAMPLE_RATES = [null, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000];
const SAMPLE_SIZES = [null, 8, 12, undefined, 16, 20, 24, 32];
const STEREO_MODES = 3; // left/side, right/side, mid/side: channel codes 8..10
const ID3V1_LENGTH = 128;
const CRC_BYTES = 2;
/** Frame header, subframe headers and CRC: an upper bound on a frame's bytes beyond its samples. */
const FRAME_OVERHEAD = 64;

function crcTable(poly: number, bits: number): Uint16Array {
  const top = 1 << (bits - 1);
  const mask = (1 << bits) - 1;
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << (bits - 8);
    for (let k = 0; k < 8; k++) crc = crc & top ? ((crc << 1) ^ poly) & mask : (crc << 1) & mask;
    table[i] = crc;
  }
  return table;
}
const CRC8 = crcTable(0x07, 8);
const CRC16 = crcTable(0x8005, 16);

/** FLAC's CRC-8 (polynomial 0x07) of bytes[start, end). */
export function flacCrc8(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = CRC8[crc ^ bytes[i]!]!;
  return crc;
}

/** FLAC's CRC-16 (polynomial 0x8005) of bytes[start, end). */
export function flacCrc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ CRC16[(crc >> 8) ^ bytes[i]!]!;
  return crc;
}

/** The UTF-8-style coded frame/sample number at `p`: its value and byte length, or null if malformed. */
function codedNumber(bytes: Uint8Array, p: number): { value: number; length: number } | null {
  const first = bytes[p];
  if (first === undefined) return null;
  let extra = 0;
  let value = first;
  if (first >= 0x80) {
    let lead = 0x40;
    while (first & lead && extra < 6) {
      extra++;
      lead >>= 1;
    }
    if (extra === 0) return null; // a continuation byte cannot start the number
    value = first & (lead - 1);
  }
  for (let k = 1; k <= extra; k++) {
    const c = bytes[p + k];
    if (c === undefined || (c & 0xc0) !== 0x80) return null;
    value = value * 64 + (c & 0x3f);
  }
  return { value, length: 1 + extra };
}

/** Parse the frame header at `p` (null unless the sync code, reserved bits and CRC-8 are all valid). */
export function parseFrameHeader(bytes: Uint8Array, p: number, info: FlacStreamInfo): FlacFrameHeader | null {
  if (bytes[p] !== 0xff || (bytes[p + 1]! & 0xfe) !== 0xf8 || p + 6 > bytes.length) return null;
  const variableBlocks = (bytes[p + 1]! & 1) === 1;
  const sizeCode = bytes[p + 2]! >> 4;
  const rateCode = bytes[p + 2]! & 0x0f;
  const channelCode = bytes[p + 3]! >> 4;
  const sampleSizeCode = (bytes[p + 3]! >> 1) & 7;
  if (sizeCode === 0 || rateCode === 15 || channelCode > 7 + STEREO_MODES) return null;
  if ((bytes[p + 3]! & 1) !== 0 || SAMPLE_SIZES[sampleSizeCode] === undefined) return null;
  const number = codedNumber(bytes, p + 4);
  if (number === null) return null;
  let q = p + 4 + number.length;
  let blockSize: number;
  if (sizeCode === 1) blockSize = 192;
  else if (sizeCode <= 5) blockSize = 576 * 2 ** (sizeCode - 2);
  else if (sizeCode === 6) blockSize = bytes[q++]! + 1;
  else if (sizeCode === 7) {
    blockSize = ((bytes[q]! << 8) | bytes[q + 1]!) + 1;
    q += 2;
  } else blockSize = 256 * 2 ** (sizeCode - 8);
  let sampleRate = SAMPLE_RATES[rateCode] ?? null;
  if (rateCode === 12) sampleRate = bytes[q++]! * 1000;
  else if (rateCode === 13 || rateCode === 14) {
    sampleRate = ((bytes[q]! << 8) | bytes[q + 1]!) * (rateCode === 14 ? 10 : 1);
    q += 2;
  }
  if (q >= bytes.length || flacCrc8(bytes, p, q) !== bytes[q]) return null;
  return {
    blockSize,
    firstSample: variableBlocks ? number.value : number.value * info.maxBlockSize,
    channels: channelCode <= 7 ? channelCode + 1 : 2,
    bitsPerSample: SAMPLE_SIZES[sampleSizeCode] ?? null,
    sampleRate,
    length: q + 1 - p,
  };
}

/** Offset of the first audio frame: just past the last metadata block (or null when the metadata runs past `bytes`). */
export function firstFrameOffset(bytes: Uint8Array, info: FlacStreamInfo): number | null {
  let p = info.offset + 4;
  for (;;) {
    if (p + 4 > bytes.length) return null;
    const last = (bytes[p]! & 0x80) !== 0;
    p += 4 + ((bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!);
    if (last) return p;
  }
}

/** Throw `<file>: corrupt FLAC stream: ...` when a frame header disagrees with STREAMINFO. */
export function checkFrameAgainstInfo(frame: FlacFrameHeader, info: FlacStreamInfo, file: string): void {
  const problems: string[] = [];
  if (frame.bitsPerSample !== null && frame.bitsPerSample !== info.bitsPerSample)
    problems.push(`its frames hold ${frame.bitsPerSample}-bit samples, STREAMINFO says ${info.bitsPerSample}-bit`);
  if (frame.channels !== info.channels)
    problems.push(`its frames have ${frame.channels} channel(s), STREAMINFO says ${info.channels}`);
  if (frame.sampleRate !== null && frame.sampleRate !== info.sampleRate)
    problems.push(`its frames are at ${frame.sampleRate} Hz, STREAMINFO says ${info.sampleRate} Hz`);
  if (problems.length > 0) throw new DataFileError(file, `corrupt FLAC stream: ${problems.join('; ')}`);
}

/**
 * Check the end of a FLAC stream held in `tail` (the last bytes of the file): the frame ending at the end must pass its
 * CRC-16, end at STREAMINFO's `totalSamples` (when recorded) and agree with STREAMINFO; errors name `file`.
 */
export function checkFlacTail(tail: Uint8Array, info: FlacStreamInfo, file: string): void {
  const tag = tail.length - ID3V1_LENGTH;
  const hasTag = tag >= 0 && tail[tag] === 0x54 && tail[tag + 1] === 0x41 && tail[tag + 2] === 0x47; // "TAG"
  const frame = lastFrameEndingAt(tail, tail.length, info) ?? (hasTag ? lastFrameEndingAt(tail, tag, info) : null);
  if (frame === null) {
    throw new DataFileError(
      file,
      'truncated or corrupt FLAC stream: no frame ends intact at the end of the file (the last frame is cut off or damaged)',
    );
  }
  checkFrameAgainstInfo(frame, info, file);
  const last = frame.firstSample + frame.blockSize;
  if (info.totalSamples > 0 && last !== info.totalSamples) {
    const what = last < info.totalSamples ? 'truncated' : 'corrupt';
    throw new DataFileError(
      file,
      `${what} FLAC stream: its frames end at sample ${last}, the STREAMINFO header declares ${info.totalSamples}`,
    );
  }
}

/** The frame whose CRC-16 closes exactly at `end`, scanning back from the end; null when there is none. */
function lastFrameEndingAt(tail: Uint8Array, end: number, info: FlacStreamInfo): FlacFrameHeader | null {
  if (end < CRC_BYTES) return null;
  const stored = (tail[end - 2]! << 8) | tail[end - 1]!;
  const bytes = tail.subarray(0, end);
  for (let p = end - CRC_BYTES - 1; p >= 0; p--) {
    if (bytes[p] !== 0xff) continue;
    const frame = parseFrameHeader(bytes, p, info);
    if (frame !== null && flacCrc16(bytes, p, end - CRC_BYTES) === stored) return frame;
  }
  return null;
}

/** Bytes from the end of a file that surely hold its whole last frame. */
export function lastFrameBound(info: FlacStreamInfo): number {
  const verbatim = Math.ceil((info.maxBlockSize * info.channels * (info.bitsPerSample + 1)) / 8);
  return Math.max(info.maxFrameSize, verbatim) + FRAME_OVERHEAD + ID3V1_LENGTH;
}

/** Read the tail of the FLAC file at `path` and {@link checkFlacTail} it; errors name the file. */
export async function checkFlacEnd(path: string, info: FlacStreamInfo): Promise<void> {
  await withFlacFile(path, async (handle) => {
    const { size } = await handle.stat();
    const start = Math.max(0, size - lastFrameBound(info));
    const tail = new Uint8Array(size - start);
    const { bytesRead } = await handle.read(tail, 0, tail.length, start);
    checkFlacTail(tail.subarray(0, bytesRead), info, path);
  });
}
