/**
 * Batches of audio windows with their labels, drawn deterministically from (seed, step) so that a resumed run sees
 * exactly the batches an uninterrupted one would have. With the dataset's `skipBad`, an utterance that fails to load is
 * replaced by another drawn from the same stream (batchAt) or left out (fixed id lists); it is counted in the
 * dataset's `skipped`. Known-bad utterances are still drawn and then replaced, so that the stream, and with it every
 * later batch, does not depend on when the bad file was found.
 */
import { tensor, type Tensor } from '../tensor/index.js';
import { audioMixSeed, Rng } from '../util/rng.js';
import { DataFileError, HOP, type LibriSpeechDataset, type UtteranceWindow } from './data/index.js';

export interface AudioBatch {
  x: Tensor; // [B, 1, W] float32
  speakers: Tensor; // [B] int64
  /** Phone class per encoder frame (W / 160 frames), −1 where the utterance has no label. */
  phones: Tensor | null; // [B, W/160] int64
}

export interface AudioBatchArgs {
  batchSize: number;
  windowSamples: number;
  /** Include per-frame phone labels (the dataset must have been opened with requirePhones). */
  phones: boolean;
}

/** batchAt(dataset, seed, step): B utterances drawn uniformly, each cut to a random window (start a multiple of 160). */
export async function batchAt(
  dataset: LibriSpeechDataset,
  seed: number,
  step: number,
  args: AudioBatchArgs,
): Promise<AudioBatch> {
  const rng = new Rng(audioMixSeed(seed, step)); // batches never depend on how many were drawn before
  const draw = (): string => dataset.ids[rng.int(dataset.size)]!;
  const ids = Array.from({ length: args.batchSize }, draw);
  return windowsBatch(dataset, ids, rng, args, draw);
}

/**
 * A window of `id`, or — when the dataset skips bad files and `id` is (or proves) bad — of a replacement from
 * `replace`, or null when there is none to draw. Gives up when every utterance has proved bad.
 */
async function loadGoodWindow(
  dataset: LibriSpeechDataset,
  id: string,
  rng: Rng,
  windowSamples: number,
  replace: (() => string) | undefined,
): Promise<UtteranceWindow | null> {
  for (let tries = 0; ; tries++) {
    if (!dataset.isBad(id)) {
      try {
        return await dataset.loadWindow(id, rng, windowSamples, HOP);
      } catch (err) {
        if (!(dataset.skipBad && err instanceof DataFileError)) throw err;
      }
    }
    if (replace === undefined) return null;
    if (tries > dataset.size && dataset.ids.every((u) => dataset.isBad(u)))
      throw new Error(`audio batches: every utterance of ${dataset.splitFile} failed to load`);
    id = replace();
  }
}

/**
 * windowsBatch(dataset, ids, rng): one random window of each utterance, stacked. Under the dataset's `skipBad`, an
 * utterance that fails to load is replaced by `replace()` when given, and otherwise left out of the batch.
 */
export async function windowsBatch(
  dataset: LibriSpeechDataset,
  ids: readonly string[],
  rng: Rng,
  a: Omit<AudioBatchArgs, 'batchSize'>,
  replace?: () => string,
): Promise<AudioBatch> {
  const W = a.windowSamples;
  const windows: UtteranceWindow[] = [];
  for (const id of ids) {
    const w = await loadGoodWindow(dataset, id, rng, W, replace);
    if (w !== null) windows.push(w);
  }
  const B = windows.length;
  const frames = Math.floor(W / HOP);
  const x = new Float32Array(B * W);
  const speakers: number[] = [];
  const phones = a.phones ? new BigInt64Array(B * frames).fill(-1n) : null;
  for (let b = 0; b < B; b++) {
    const w = windows[b]!;
    const id = w.id;
    x.set(w.samples, b * W);
    speakers.push(w.speaker);
    if (phones !== null) {
      const labels = (await dataset.loadUtterance(id)).phones;
      if (labels === undefined)
        throw new Error(`audio batches: ${id} has no phone labels (open the dataset with requirePhones)`);
      const first = w.start / HOP; // label frame of the window's first encoder frame
      for (let f = 0; f < frames && first + f < labels.length; f++) phones[b * frames + f] = BigInt(labels[first + f]!);
    }
  }
  return {
    x: tensor(x, [B, 1, W]),
    speakers: tensor(speakers, [B], { dtype: 'int64' }),
    phones: phones === null ? null : tensor(phones, [B, frames]),
  };
}

/** Dispose a batch's tensors. */
export function disposeBatch(b: AudioBatch): void {
  b.x.dispose();
  b.speakers.dispose();
  b.phones?.dispose();
}
