/**
 * Training windows cut from utterances, and the reference's audio normalisation.
 *
 * The reference (GIM `LibriDataset.__getitem__`) drops the tail that is not a full 10 ms hop, then starts the window at a
 * uniform random multiple of the hop in [hop, maxLength − windowLength), i.e. never at 0 and never flush with the end.
 * It fails on shorter utterances, so its split files hold only long ones. Here, utterances too short for that rule
 * still get a window: one that fits starts at a random multiple of the hop in [0, length − windowLength], and one
 * shorter than the window is zero-padded at the end (start 0). To skip short utterances instead, as the reference
 * data does, filter with {@link minSamplesForWindow} (`LibriSpeechDataset`'s `minSamples` option).
 */
import { toRng, type Rng } from '../../util/rng.js';

/** The reference's window length in samples (1.28 s at 16 kHz). */
export const WINDOW_LENGTH = 20480;
/** The reference's hop in samples (10 ms at 16 kHz): windows start at multiples of it, phone labels are per hop. */
export const HOP = 160;

/** Mean and standard deviation of LibriSpeech train-clean-100 float audio, as the reference normalises it. */
export const LIBRISPEECH_NORMALIZATION = Object.freeze({ mean: -6.781e-4, std: 0.0630056 });

/** Mean and standard deviation for {@link normalizeAudio}. */
export interface Normalization {
  mean: number;
  std: number;
}

/** (x − mean) / std in place; returns `samples`. Not applied by the readers unless asked (`normalize` option). */
export function normalizeAudio(
  samples: Float32Array,
  { mean, std }: Normalization = LIBRISPEECH_NORMALIZATION,
): Float32Array {
  if (!(std > 0) || !Number.isFinite(mean))
    throw new RangeError(`normalizeAudio: need std > 0, got mean ${mean} std ${std}`);
  for (let i = 0; i < samples.length; i++) samples[i] = (samples[i]! - mean) / std;
  return samples;
}

/** The shortest utterance for which the reference rule (start ≥ hop, end before the last full hop) has a window. */
export function minSamplesForWindow(windowLength = WINDOW_LENGTH, hop = HOP): number {
  checkWindowArgs(windowLength, hop);
  // Need hop·j < floor(n/hop)·hop − windowLength for j = 1: floor(n/hop)·hop > windowLength + hop.
  return (Math.floor((windowLength + hop) / hop) + 1) * hop;
}

/** A window cut from an utterance. */
export interface AudioWindow {
  /** First sample of the window in the utterance (a multiple of the hop). */
  start: number;
  /** `windowLength` samples: a view into the utterance, or a zero-padded copy when it is shorter than the window. */
  samples: Float32Array;
  /** How many samples at the end are zero padding (0 unless the utterance is shorter than the window). */
  padded: number;
}

function checkWindowArgs(windowLength: number, hop: number): void {
  if (!Number.isSafeInteger(windowLength) || windowLength < 1) {
    throw new RangeError(`sampleWindow: windowLength must be a positive integer, got ${windowLength}`);
  }
  if (!Number.isSafeInteger(hop) || hop < 1)
    throw new RangeError(`sampleWindow: hop must be a positive integer, got ${hop}`);
}

/** Start of a random window as the module comment says: a multiple of `hop`; 0 when the utterance is too short. */
export function sampleWindowStart(
  length: number,
  windowLength: number = WINDOW_LENGTH,
  hop: number = HOP,
  rng: Rng | number,
): number {
  checkWindowArgs(windowLength, hop);
  const source = toRng(rng);
  const maxLength = Math.floor(length / hop) * hop;
  // Reference: starts hop·j, j = 1.., with hop·j < maxLength − windowLength.
  const count = Math.ceil((maxLength - windowLength) / hop) - 1;
  if (count >= 1) return hop * (1 + source.int(count));
  if (length >= windowLength) return hop * source.int(Math.floor((length - windowLength) / hop) + 1);
  return 0;
}

/** A random `windowLength` window of `samples` starting at a multiple of `hop`; deterministic for a seed or source. */
export function sampleWindow(
  samples: Float32Array,
  windowLength: number = WINDOW_LENGTH,
  hop: number = HOP,
  rng: Rng | number,
): AudioWindow {
  const start = sampleWindowStart(samples.length, windowLength, hop, rng);
  if (samples.length >= windowLength) {
    return { start, samples: samples.subarray(start, start + windowLength), padded: 0 };
  }
  const out = new Float32Array(windowLength);
  out.set(samples);
  return { start: 0, samples: out, padded: windowLength - samples.length };
}
