/**
 * Decoding the real recordings: which container/codec a file holds (from its first bytes), whether sox reads it, and
 * the conversion to 16 kHz mono 16-bit FLAC.
 */
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { DataFileError, describeFsError } from './errors.js';
import { readFlacStreamInfo } from './flac.js';
import { runTool } from './synth-tools.js';

export const REAL_SPEECH_SAMPLE_RATE = 16000;
/** Bytes read to tell Ogg Vorbis from Ogg Opus: the first Ogg page holds the codec's identification header. */
const HEAD_BYTES = 128;

/** sha256 of a file's bytes (duplicates are recognised by content). */
export async function contentHash(file: string): Promise<string> {
  const bytes = await readFile(file).catch((err: unknown) => {
    throw new DataFileError(file, `cannot read recording: ${describeFsError(err)}`, { cause: err });
  });
  return createHash('sha256').update(bytes).digest('hex');
}

/** The audio format of a file, as sox names it (`vorbis` for Ogg Vorbis, `opus` for Ogg Opus), from its bytes. */
export async function audioFormatOf(file: string): Promise<string> {
  const handle = await open(file, 'r');
  const head = Buffer.alloc(HEAD_BYTES);
  try {
    await handle.read(head, 0, HEAD_BYTES, 0);
  } finally {
    await handle.close();
  }
  const text = head.toString('latin1');
  if (text.startsWith('OggS')) {
    if (text.includes('OpusHead')) return 'opus';
    if (text.includes('vorbis')) return 'vorbis';
    if (text.includes('FLAC')) return 'flac';
    return 'ogg';
  }
  if (text.startsWith('RIFF')) return 'wav';
  if (text.startsWith('fLaC')) return 'flac';
  return extname(file).slice(1).toLowerCase();
}

let soxFormats: Promise<Set<string>> | undefined;

/** The audio file formats this sox reads (its `AUDIO FILE FORMATS:` line). */
export function soxReadableFormats(): Promise<Set<string>> {
  soxFormats ??= runTool('sox', ['-h']).then((help) => {
    const line = /AUDIO FILE FORMATS:(.*)/.exec(help)?.[1] ?? '';
    return new Set(line.trim().split(/\s+/));
  });
  return soxFormats;
}

/**
 * Decode `input` (any format sox reads), mix to mono, resample to 16 kHz and write 16-bit FLAC at `output`; returns
 * its length in samples. -R makes sox repeatable (fixed dither seed), so a build is byte-for-byte deterministic.
 */
export async function convertToFlac(input: string, output: string): Promise<number> {
  const rate = String(REAL_SPEECH_SAMPLE_RATE);
  try {
    await runTool('sox', ['-R', '-V1', input, '-b', '16', '-c', '1', '-r', rate, '-t', 'flac', output]);
  } catch (err) {
    throw new DataFileError(input, `sox cannot decode this recording: ${(err as Error).message}`, { cause: err });
  }
  const info = await readFlacStreamInfo(output);
  if (info.sampleRate !== REAL_SPEECH_SAMPLE_RATE || info.channels !== 1 || info.totalSamples === 0) {
    throw new DataFileError(input, `decoded to ${info.totalSamples} samples at ${info.sampleRate} Hz, expected audio`);
  }
  return info.totalSamples;
}
