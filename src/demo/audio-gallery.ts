/**
 * The demo page's audio gallery: one window of every test utterance of an audio run, with its speaker and its pooled
 * features (module k's frames averaged), computed by libtorch; the clip itself (un-normalised, for playback and for
 * dropping back onto the page) and what the page needs to prepare a clip as the run's reader does.
 */
import { LIBRISPEECH_NORMALIZATION } from '../audio/data/window.js';
import type { AudioConfig } from '../experiments/audio/config.js';
import { extractFeatures, openAudioData, probeWindows } from '../experiments/audio/experiment.js';
import type { GradientIsolatedStack } from '../gim/index.js';

/** The sample rate of every corpus the audio experiments read. */
export const AUDIO_SAMPLE_RATE = 16000;

export interface AudioInputSpec {
  kind: 'audio';
  sampleRate: number;
  /** Samples of the window the gallery's clips have (the run's data.windowSamples). */
  windowSamples: number;
  /** (x − mean) / std, as the run's reader applies it (0 and 1 when it does not normalise). */
  mean: number;
  std: number;
}

export interface AudioGalleryItem {
  label: number;
  index: number;
  vector: number[];
  /** The clip's samples in [-1, 1], before normalisation. */
  samples: number[];
}

export interface AudioGallery {
  experiment: 'audio';
  module: number;
  labels: readonly string[];
  input: AudioInputSpec;
  items: AudioGalleryItem[];
}

export interface AudioGalleryArgs {
  config: AudioConfig;
  stack: GradientIsolatedStack;
  /** 1-based module whose features are compared. */
  module: number;
  /** Clips in the gallery (one window of each of the first test utterances). */
  size: number;
}

/** audioGallery(args): the gallery of the run's test utterances, one seeded window each. */
export async function audioGallery(args: AudioGalleryArgs): Promise<AudioGallery> {
  const { config, stack, module } = args;
  const data = await openAudioData(config, false);
  const windows = await probeWindows(data.test, 1, config.seed, config.data.windowSamples, false);
  try {
    const n = Math.min(args.size, windows.x.shape[0]!);
    const features = extractFeatures(stack, windows.x, [module - 1], true).get(module - 1)!; // [N, 1, D]
    const vectors = features.toArray();
    features.dispose();
    const width = vectors.length / windows.x.shape[0]!;
    const norm = config.data.normalize ? LIBRISPEECH_NORMALIZATION : { mean: 0, std: 1 };
    const samples = windows.x.toArray();
    const W = config.data.windowSamples;
    const speakers = windows.speakers.toArray();
    const items = Array.from({ length: n }, (_, i) => ({
      label: speakers[i]!,
      index: i,
      vector: vectors.slice(i * width, (i + 1) * width),
      samples: samples.slice(i * W, (i + 1) * W).map((v) => v * norm.std + norm.mean),
    }));
    return {
      experiment: 'audio',
      module,
      labels: data.train.speakers,
      input: { kind: 'audio', sampleRate: AUDIO_SAMPLE_RATE, windowSamples: W, mean: norm.mean, std: norm.std },
      items,
    };
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
