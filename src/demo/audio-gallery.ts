/**
 * The demo page's audio gallery: what the page needs to prepare a clip as `gim embed` does (16 kHz, normalised as the
 * run's reader, windows of the run's length), each gallery clip (for playback and for dropping back onto the page),
 * and the default gallery's files (one seeded window of each of a run's first test utterances as a WAV file in one
 * folder per speaker, for `gim embed` to embed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LIBRISPEECH_NORMALIZATION } from '../audio/data/window.js';
import type { AudioConfig } from '../experiments/audio/config.js';
import { openAudioData, probeWindows } from '../experiments/audio/experiment.js';
import { AUDIO_SAMPLE_RATE } from '../experiments/encoder-inputs.js';
import { labelFolder } from './labels.js';

export { AUDIO_SAMPLE_RATE };

export interface AudioInputSpec {
  kind: 'audio';
  sampleRate: number;
  /** Samples per window: a clip is embedded in windows of this length (the last zero-padded), frames averaged. */
  windowSamples: number;
  /** (x − mean) / std, as the run's reader applies it (0 and 1 when it does not normalise). */
  mean: number;
  std: number;
}

export interface AudioGalleryItem {
  label: number;
  /** Row of the item in the embedded gallery (gim embed's output). */
  index: number;
  /** The file it was embedded from, relative to the gallery's folder. */
  name: string;
  /** Pooled features of module k, as gim embed wrote them. */
  vector: number[];
  /** The clip's samples at 16 kHz in [-1, 1], before normalisation. */
  samples: number[];
}

export interface AudioGallery {
  experiment: 'audio';
  module: number;
  labels: readonly string[];
  input: AudioInputSpec;
  items: AudioGalleryItem[];
}

const INDEX_DIGITS = 5;

/** audioInputSpec(config): how the page prepares a clip for the run. */
export function audioInputSpec(config: AudioConfig): AudioInputSpec {
  const norm = config.data.normalize ? LIBRISPEECH_NORMALIZATION : { mean: 0, std: 1 };
  return {
    kind: 'audio',
    sampleRate: AUDIO_SAMPLE_RATE,
    windowSamples: config.data.windowSamples,
    mean: norm.mean,
    std: norm.std,
  };
}

/**
 * writeAudioGalleryFiles(config, dir, size): one seeded window of each of the run's first `size` test utterances as
 * `dir/<speaker>/test-NNNNN.wav` (32-bit float, 16 kHz, as the reader gives it before normalisation); returns how many.
 */
export async function writeAudioGalleryFiles(config: AudioConfig, dir: string, size: number): Promise<number> {
  const data = await openAudioData(config, false);
  const windows = await probeWindows(data.test, 1, config.seed, config.data.windowSamples, false);
  try {
    const n = Math.min(size, windows.x.shape[0]!);
    const spec = audioInputSpec(config);
    const samples = windows.x.toArray(); // [N·W], normalised as the reader does
    const speakers = windows.speakers.toArray();
    const W = config.data.windowSamples;
    for (let i = 0; i < n; i++) {
      const folder = path.join(dir, labelFolder(data.train.speakers[speakers[i]!]!));
      fs.mkdirSync(folder, { recursive: true });
      const clip = samples.slice(i * W, (i + 1) * W).map((v) => v * spec.std + spec.mean);
      fs.writeFileSync(
        path.join(folder, `test-${String(i).padStart(INDEX_DIGITS, '0')}.wav`),
        wavFloat32(clip, AUDIO_SAMPLE_RATE),
      );
    }
    return n;
  } finally {
    windows.x.dispose();
    windows.speakers.dispose();
    windows.phones?.dispose();
  }
}

const WAV_HEADER_BYTES = 44;
const WAV_FLOAT = 3;
const FLOAT_BYTES = 4;
const BITS_PER_BYTE = 8;
const RIFF_CHUNK_HEADER_BYTES = 8;
const FMT_CHUNK_BYTES = 16;

/** wavFloat32(samples, rate): a mono 32-bit float WAV file. */
export function wavFloat32(samples: readonly number[], rate: number): Buffer {
  const dataBytes = samples.length * FLOAT_BYTES;
  const out = Buffer.alloc(WAV_HEADER_BYTES + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(WAV_HEADER_BYTES - RIFF_CHUNK_HEADER_BYTES + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(FMT_CHUNK_BYTES, 16);
  out.writeUInt16LE(WAV_FLOAT, 20);
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * FLOAT_BYTES, 28);
  out.writeUInt16LE(FLOAT_BYTES, 32);
  out.writeUInt16LE(FLOAT_BYTES * BITS_PER_BYTE, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  samples.forEach((v, i) => out.writeFloatLE(v, WAV_HEADER_BYTES + i * FLOAT_BYTES));
  return out;
}
