/**
 * The files an encoder embeds: audio that sox reads (FLAC, WAV, Ogg, …; mixed to mono and resampled to 16 kHz, then
 * cut into windows of the run's data.windowSamples), PNG and JPEG images (pngjs, jpeg-js) and IDX image files (one row
 * per image). Every error names the file.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LIBRISPEECH_NORMALIZATION, normalizeAudio } from '../audio/data/window.js';
import { cat, contiguous, keep, mean, narrow, reshape, squeeze, tensor, tidy, type Tensor } from '../tensor/index.js';
import { NoRng } from '../util/rng.js';
import {
  grayscale,
  image,
  IMAGE_FILE_EXTENSIONS,
  isImageFile,
  readIdxImages,
  readImageFile,
  resizeBilinear,
  type Image,
} from '../vision/data/index.js';
import type { AudioConfig } from './audio/config.js';
import type { EmbeddedRow, Pool } from './encoder.js';
import type { RunConfig } from './run-eval.js';
import type { VisionConfig } from './vision/config.js';
import { evalTransform } from './vision/data.js';

/** The sample rate every audio run trains at (the LibriSpeech reader's). */
export const AUDIO_SAMPLE_RATE = 16000;
/** Audio windows (or images) passed through the encoder at once. */
const EMBED_BATCH = 16;
/** Largest decoded audio accepted from sox (bytes of float32): about 2.3 hours at 16 kHz. */
const MAX_DECODED_BYTES = 512 * 1024 * 1024;
/** Side and channels of each dataset's images, what an image file is resized to before the evaluation transform. */
export const NATIVE_IMAGES = {
  'fashion-mnist': { channels: 1, side: 28 },
  cifar10: { channels: 3, side: 32 },
  stl10: { channels: 3, side: 96 },
} as const;

export const AUDIO_EXTENSIONS = ['.flac', '.wav', '.ogg', '.oga', '.opus', '.mp3', '.aiff', '.aif'];

/** An IDX image file: `*.idx`, `*-idx3-ubyte`, optionally gzipped. */
export function isIdxFile(file: string): boolean {
  return /(\.idx|-idx3-ubyte|\.idx3-ubyte)(\.gz)?$/i.test(file);
}

/** Whether `file` is something embed reads (by its name). */
export function isEmbeddable(file: string): boolean {
  const ext = path.extname(file).toLowerCase();
  return AUDIO_EXTENSIONS.includes(ext) || isImageFile(file) || isIdxFile(file);
}

type EmbedFn = (x: Tensor, pool: Pool) => Tensor;

/** A decoded input, ready to be run through an encoder. */
export interface EncoderInput {
  embedWith(embed: EmbedFn, pool: Pool, onProgress?: (done: number, total: number) => void): EmbeddedRow[];
}

/** decodeAudioFile(file): any audio sox reads as 16 kHz mono float32 samples (not normalised). */
export function decodeAudioFile(file: string): Promise<Float32Array> {
  const args = ['-V1', file, '-t', 'f32', '-e', 'floating-point', '-c', '1', '-r', String(AUDIO_SAMPLE_RATE), '-'];
  return new Promise((resolve, reject) => {
    execFile('sox', args, { encoding: 'buffer', maxBuffer: MAX_DECODED_BYTES }, (err, stdout, stderr) => {
      if (err) {
        const why = stderr.toString('utf8').trim() || err.message.split('\n')[0];
        reject(new Error(`${file}: sox cannot decode this audio: ${why}`, { cause: err }));
        return;
      }
      const samples = new Float32Array(stdout.length / Float32Array.BYTES_PER_ELEMENT);
      new Uint8Array(samples.buffer).set(stdout.subarray(0, samples.byteLength));
      if (samples.length === 0) reject(new Error(`${file}: the audio holds no samples`));
      else resolve(samples);
    });
  });
}

/** Audio: windows of data.windowSamples back to back (the last zero-padded); features concatenated over time. */
async function audioInput(file: string, config: AudioConfig): Promise<EncoderInput> {
  const samples = await decodeAudioFile(file);
  if (config.data.normalize) normalizeAudio(samples, LIBRISPEECH_NORMALIZATION);
  const window = config.data.windowSamples;
  const windows = Math.ceil(samples.length / window);
  const padded = new Float32Array(windows * window);
  padded.set(samples);
  return {
    embedWith(embed, pool, onProgress) {
      const all = tensor(padded, [windows, 1, window]); // [N, 1, W]
      const parts: Tensor[] = [];
      try {
        for (let start = 0; start < windows; start += EMBED_BATCH) {
          const count = Math.min(EMBED_BATCH, windows - start);
          parts.push(
            tidy(() => {
              const f = embed(narrow(all, 0, start, count), 'none'); // [b, T, D]
              return keep(reshape(f, [-1, f.shape[2]!])); // [b·T, D]
            }),
          );
          onProgress?.(start + count, windows);
        }
        const features = tidy(() => {
          const frames = cat(parts, 0); // [N·T, D]
          return keep(pool === 'mean' ? mean(frames, 0) : frames);
        });
        return [{ path: file, features }];
      } finally {
        all.dispose();
        for (const p of parts) p.dispose();
      }
    },
  };
}

/** Images through the run's evaluation transform, embedded in batches; one row each. */
function imagesInput(rows: { path: string; image: Image }[], config: VisionConfig): EncoderInput {
  const transform = evalTransform(config);
  const rng = new NoRng('embed');
  const prepared = rows.map((row) => {
    try {
      return transform(fitImage(row.image, config), rng);
    } catch (err) {
      throw new Error(`${row.path}: ${(err as Error).message}`, { cause: err });
    }
  });
  return {
    embedWith(embed, pool, onProgress) {
      const out: EmbeddedRow[] = [];
      for (let start = 0; start < prepared.length; start += EMBED_BATCH) {
        const batch = prepared.slice(start, start + EMBED_BATCH);
        const { channels, height, width } = batch[0]!;
        const data = new Float32Array(batch.length * channels * height * width);
        batch.forEach((img, b) => data.set(img.data, b * img.data.length));
        const features = tidy(() => embed(tensor(data, [batch.length, channels, height, width]), pool)); // [b, …]
        try {
          batch.forEach((_, b) => {
            out.push({
              path: rows[start + b]!.path,
              features: tidy(() => keep(contiguous(squeeze(narrow(features, 0, b, 1), 0)))),
            });
          });
        } finally {
          features.dispose();
        }
        onProgress?.(start + batch.length, prepared.length);
      }
      return out;
    },
  };
}

/** fitImage(img, config): an image at its dataset's channels and side (luma for 1-channel data; bilinear resize). */
export function fitImage(img: Image, config: VisionConfig): Image {
  const native = NATIVE_IMAGES[config.data.dataset];
  const toChannels = native.channels === 1 ? grayscale(img) : img;
  if (toChannels.height === native.side && toChannels.width === native.side) return toChannels;
  return resizeBilinear(toChannels, native.side, native.side);
}

/** readEncoderInput(file, runConfig): decode `file` for the run's experiment; errors name the file. */
export async function readEncoderInput(file: string, runConfig: RunConfig): Promise<EncoderInput> {
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new Error(`${file}: no such file`);
  const ext = path.extname(file).toLowerCase();
  if (runConfig.experiment === 'audio') {
    if (!AUDIO_EXTENSIONS.includes(ext)) {
      throw new Error(`${file}: an audio run embeds audio files (${AUDIO_EXTENSIONS.join(', ')})`);
    }
    return audioInput(file, runConfig.config);
  }
  if (isImageFile(file)) return imagesInput([{ path: file, image: readImageFile(file) }], runConfig.config);
  if (isIdxFile(file)) {
    let idx: ReturnType<typeof readIdxImages>;
    try {
      idx = readIdxImages(file);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
    const per = idx.height * idx.width;
    const rows = Array.from({ length: idx.n }, (_, i) => {
      const data = new Float32Array(per);
      for (let k = 0; k < per; k++) data[k] = idx.images[i * per + k]! / 255;
      return { path: `${file}#${i}`, image: image(data, 1, idx.height, idx.width) };
    });
    return imagesInput(rows, runConfig.config);
  }
  throw new Error(`${file}: a vision run embeds images (${IMAGE_FILE_EXTENSIONS.join(', ')}) and IDX image files`);
}
