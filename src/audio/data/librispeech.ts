/**
 * LibriSpeech train-clean-100 with the CPC/GIM split and phone-label files, as users bring them.
 *
 * `open()` checks the root has the layout, reads the split file, then checks every listed utterance cheaply from its
 * FLAC STREAMINFO header and last frame (present, a FLAC file, the expected sample rate, not truncated: the last frame
 * is intact and ends at the declared sample count, bits per sample as STREAMINFO says) and, with `requirePhones`, that
 * the alignment file has it with as many labels as its audio has 10 ms frames. A bad utterance is an error naming the
 * file (the audio path, or the alignment file and the id); with `skipBad` it is dropped, counted in `skipped`, and
 * one summary warning is printed. Utterances shorter than `minSamples` are always dropped and counted (the
 * reference's split holds only utterances long enough for a window). `open()` decodes nothing: damage in the middle
 * of the audio (corrupt frames) surfaces from `loadUtterance()` as an error naming the file; with `skipBad` the
 * utterance is then also counted in `skipped` and reported by `isBad()`, so that batches can draw another.
 * Decoded utterances are cached, least recently used dropped first, within `cacheBytes` (default 1 GiB; all of
 * train-clean-100 would take ~23 GB as float32).
 *
 * Speaker labels: the speakers of every id in the split file (bad ones included, so labels do not depend on which files
 * are present), sorted numerically, index = label. The reference numbers speakers in order of first appearance in
 * train_split.txt; pass `speakers` to impose an order, and pass the train set's `speakers` to the test set so that
 * both agree. Audio is not normalised unless `normalize` is set (`true`: the reference's LibriSpeech constants).
 */
import { join } from 'node:path';

import { DataFileError } from './errors.js';
import { decodeFlacFile, expectSampleRate, readCheckedFlacInfo } from './flac.js';
import {
  checkLibriSpeechRoot,
  checkPhoneFrames,
  DEFAULT_SUBSET,
  readPhoneAlignments,
  readSplit,
  sortSpeakers,
  speakerOf,
  utterancePath,
} from './librispeech-files.js';
import type { Rng } from '../../util/rng.js';
import { ByteBudgetCache, mapLimit } from './util.js';
import {
  HOP,
  LIBRISPEECH_NORMALIZATION,
  normalizeAudio,
  sampleWindow,
  WINDOW_LENGTH,
  type AudioWindow,
  type Normalization,
} from './window.js';

export * from './librispeech-files.js';

/** Options of {@link LibriSpeechDataset}. */
export interface LibriSpeechOptions {
  /** Directory holding `<subset>/` (and by default the split and alignment files). */
  root: string;
  split: 'train' | 'test';
  /** Audio subdirectory of `root` (default `train-clean-100`). */
  subset?: string;
  /** Default `<root>/<split>_split.txt`. */
  splitFile?: string;
  /** Default `<root>/converted_aligned_phones.txt`; read only when `requirePhones` is set. */
  alignmentFile?: string;
  /** Expected sample rate in Hz (default 16000). */
  sampleRate?: number;
  /** Drop and count bad utterances instead of throwing (default false). */
  skipBad?: boolean;
  /** Load phone labels and require one line per utterance (default false). */
  requirePhones?: boolean;
  /** Speaker label order (ids as strings); default: the split's speakers sorted numerically. */
  speakers?: readonly string[];
  /** Drop (and count) utterances with fewer samples (default 0), e.g. `minSamplesForWindow()`. */
  minSamples?: number;
  /** Normalise loaded audio: `true` = the reference's LibriSpeech mean/std, or explicit values (default false). */
  normalize?: boolean | Normalization;
  /** Bytes of decoded audio kept in memory, least recently used dropped first (default 1 GiB; 0: no cache). */
  cacheBytes?: number;
  /** Multi-channel files: `'mix'` to mono (default) or `'error'` (counted as bad files). */
  multiChannel?: 'mix' | 'error';
  /** Where the skip summary goes (default console.warn). */
  warn?: (message: string) => void;
}

const REASONS = [
  'missingFile',
  'badFile',
  'wrongSampleRate',
  'missingPhones',
  'phoneLength',
  'unknownSpeaker',
  'tooShort',
] as const;
/** Why an utterance was dropped by `open()`. */
export type SkipReason = (typeof REASONS)[number];

/** One dropped utterance and the error it would have raised. */
export interface SkippedUtterance {
  id: string;
  reason: SkipReason;
  message: string;
}

/** One loaded utterance. */
export interface Utterance {
  id: string;
  /** Mono audio in [-1, 1] (normalised when the `normalize` option is set). */
  samples: Float32Array;
  /** Speaker label: index into `dataset.speakers`. */
  speaker: number;
  speakerId: string;
  /** Phone class per 10 ms frame, when `requirePhones` is set. */
  phones?: Uint8Array;
}

/** A window of an utterance, with its labels. */
export interface UtteranceWindow extends AudioWindow {
  id: string;
  speaker: number;
}

/** Counts for a dataset after `open()`. */
export interface LibriSpeechStats {
  utterances: number;
  /** Speakers that have at least one kept utterance. */
  speakers: number;
  /** Speaker labels (the length of `dataset.speakers`). */
  speakerLabels: number;
  seconds: number;
  minutes: number;
  skipped: Record<SkipReason, number>;
}

/** LibriSpeech utterances of one split: validated at `open()`, decoded on demand (and cached). */
export class LibriSpeechDataset {
  readonly splitFile: string;
  readonly alignmentFile: string;
  readonly sampleRate: number;
  /** Utterances dropped by `open()` (only with `skipBad`, or for `minSamples`). */
  readonly skipped: SkippedUtterance[] = [];
  private readonly opts: LibriSpeechOptions;
  private idList: string[] = [];
  private speakerList: string[] = [];
  private readonly speakerIndexOf = new Map<string, number>();
  private readonly lengths = new Map<string, number>();
  private phones: Map<string, Uint8Array> | undefined;
  private readonly cache: ByteBudgetCache<Utterance>;
  /** Utterances kept by `open()` whose audio then failed to decode (only with `skipBad`). */
  private readonly badAtLoad = new Set<string>();
  private opened = false;

  /** Configure; nothing is read until `open()`. */
  constructor(options: LibriSpeechOptions) {
    this.opts = options;
    this.splitFile = options.splitFile ?? join(options.root, `${options.split}_split.txt`);
    this.alignmentFile = options.alignmentFile ?? join(options.root, 'converted_aligned_phones.txt');
    this.sampleRate = options.sampleRate ?? 16000;
    this.cache = new ByteBudgetCache(options.cacheBytes ?? 2 ** 30, (u) => u.samples.byteLength);
  }

  /** Read the split (and alignments), check every utterance's header; see the module comment. */
  async open(): Promise<this> {
    const { skipBad = false, minSamples = 0, requirePhones = false, multiChannel = 'mix' } = this.opts;
    if (this.opened) return this;
    this.skipped.length = 0;
    this.idList = [];
    this.speakerIndexOf.clear();
    this.lengths.clear();
    this.badAtLoad.clear();
    if (this.opts.splitFile === undefined) await checkLibriSpeechRoot(this.opts.root, this.splitFile);
    const listed = await readSplit(this.splitFile);
    this.speakerList = this.opts.speakers ? [...this.opts.speakers] : sortSpeakers(listed.map((id) => speakerOf(id)));
    this.speakerList.forEach((s, i) => this.speakerIndexOf.set(s, i));
    this.phones = requirePhones ? await readPhoneAlignments(this.alignmentFile, new Set(listed)) : undefined;
    const skip = (id: string, reason: SkipReason, err: Error): void => {
      if (!skipBad && reason !== 'tooShort') throw err;
      this.skipped.push({ id, reason, message: err.message });
    };
    const headers = await mapLimit(listed, 32, async (id) => {
      try {
        return await readCheckedFlacInfo(this.pathOf(id));
      } catch (err) {
        return err as Error;
      }
    });
    listed.forEach((id, i) => {
      const path = this.pathOf(id);
      const info = headers[i]!;
      if (info instanceof Error) {
        const missing = (info.cause as { code?: unknown } | undefined)?.code === 'ENOENT';
        if (!missing) return skip(id, 'badFile', info);
        const msg = `missing audio for utterance ${id} (listed in ${this.splitFile})`;
        return skip(id, 'missingFile', new DataFileError(path, msg));
      }
      try {
        expectSampleRate(info, this.sampleRate, path);
      } catch (err) {
        return skip(id, 'wrongSampleRate', err as Error);
      }
      if (info.channels > 1 && multiChannel === 'error') {
        return skip(id, 'badFile', new DataFileError(path, `${info.channels} channels, expected mono`));
      }
      if (info.totalSamples > 0 && info.totalSamples < minSamples) {
        const msg = `${info.totalSamples} samples, fewer than minSamples ${minSamples}`;
        return skip(id, 'tooShort', new DataFileError(path, msg));
      }
      if (!this.speakerIndexOf.has(speakerOf(id))) {
        const msg = `speaker ${speakerOf(id)} of utterance ${id} is not in the given speaker list`;
        return skip(id, 'unknownSpeaker', new DataFileError(this.splitFile, msg));
      }
      if (this.phones && !this.phones.has(id)) {
        const msg = `no phone alignment for utterance ${id} (listed in ${this.splitFile})`;
        return skip(id, 'missingPhones', new DataFileError(this.alignmentFile, msg));
      }
      const labels = this.phones?.get(id);
      if (labels && info.totalSamples > 0) {
        try {
          checkPhoneFrames(this.alignmentFile, id, labels.length, info.totalSamples);
        } catch (err) {
          return skip(id, 'phoneLength', err as Error);
        }
      }
      this.idList.push(id);
      this.lengths.set(id, info.totalSamples);
    });
    this.opened = true;
    this.warnSkipped(listed.length);
    return this;
  }

  private warnSkipped(listed: number): void {
    const bad = this.skipped.filter((s) => s.reason !== 'tooShort');
    if (bad.length === 0) return;
    const parts = REASONS.filter((r) => r !== 'tooShort').flatMap((r) => {
      const of = bad.filter((s) => s.reason === r);
      return of.length === 0 ? [] : [`${of.length} ${r} (first: ${of[0]!.message})`];
    });
    const warn = this.opts.warn ?? ((m: string) => console.warn(m));
    warn(
      `LibriSpeech ${this.opts.split}: skipped ${bad.length} of ${listed} utterances in ${this.splitFile}: ${parts.join('; ')}`,
    );
  }

  private need(id?: string): void {
    if (!this.opened) throw new Error('LibriSpeechDataset: call open() first');
    if (id !== undefined && !this.lengths.has(id)) {
      throw new Error(`LibriSpeechDataset: utterance ${id} is not in this dataset (${this.splitFile}, after skipping)`);
    }
  }

  /** Utterance ids kept by `open()`, in split-file order (one found bad when loaded stays listed: see `isBad`). */
  get ids(): readonly string[] {
    this.need();
    return this.idList;
  }

  /** Speaker ids in label order. */
  get speakers(): readonly string[] {
    this.need();
    return this.speakerList;
  }

  /** Number of kept utterances. */
  get size(): number {
    return this.ids.length;
  }

  /** The FLAC path of an utterance under this dataset's root and subset. */
  pathOf(id: string): string {
    return utterancePath(this.opts.root, id, this.opts.subset ?? DEFAULT_SUBSET);
  }

  /** Speaker label of an utterance id. */
  speakerIndex(id: string): number {
    this.need();
    const s = this.speakerIndexOf.get(speakerOf(id));
    if (s === undefined) throw new Error(`LibriSpeechDataset: speaker of ${id} has no label`);
    return s;
  }

  /** Length in samples from the STREAMINFO header (0 if the encoder did not record it). */
  lengthOf(id: string): number {
    this.need(id);
    return this.lengths.get(id)!;
  }

  /** Decode one utterance (or take it from the cache), with speaker label and, if requested, phone labels. */
  async loadUtterance(id: string): Promise<Utterance> {
    this.need(id);
    const hit = this.cache.get(id);
    if (hit) return hit;
    const path = this.pathOf(id);
    const phones = this.phones?.get(id);
    let decoded;
    try {
      decoded = await decodeFlacFile(path, { multiChannel: this.opts.multiChannel ?? 'mix' });
      expectSampleRate(decoded, this.sampleRate, path);
      if (phones) checkPhoneFrames(this.alignmentFile, id, phones.length, decoded.samples.length);
    } catch (err) {
      if (this.opts.skipBad && err instanceof DataFileError) this.markBad(id, err);
      throw err;
    }
    const norm = this.opts.normalize;
    if (norm) normalizeAudio(decoded.samples, norm === true ? LIBRISPEECH_NORMALIZATION : norm);
    const utt: Utterance = { id, samples: decoded.samples, speaker: this.speakerIndex(id), speakerId: speakerOf(id) };
    if (phones) utt.phones = phones;
    this.cache.set(id, utt);
    return utt;
  }

  /** Whether `skipBad` is set: callers then replace utterances that fail to load (see {@link isBad}). */
  get skipBad(): boolean {
    return this.opts.skipBad ?? false;
  }

  /** Whether an utterance kept by `open()` failed to load since (only with `skipBad`; it is counted in `skipped`). */
  isBad(id: string): boolean {
    return this.badAtLoad.has(id);
  }

  private markBad(id: string, err: DataFileError): void {
    if (this.badAtLoad.has(id)) return;
    this.badAtLoad.add(id);
    const reason: SkipReason = err.file === this.alignmentFile ? 'phoneLength' : 'badFile';
    this.skipped.push({ id, reason, message: err.message });
    const warn = this.opts.warn ?? ((m: string) => console.warn(m));
    warn(`LibriSpeech ${this.opts.split}: skipping utterance ${id}, found bad when loaded: ${err.message}`);
  }

  /** A random window of an utterance (start a multiple of `hop`; see `sampleWindow` for short utterances). */
  async loadWindow(
    id: string,
    rng: Rng | number,
    windowLength: number = WINDOW_LENGTH,
    hop: number = HOP,
  ): Promise<UtteranceWindow> {
    const utt = await this.loadUtterance(id);
    return { id, speaker: utt.speaker, ...sampleWindow(utt.samples, windowLength, hop, rng) };
  }

  /** Drop all cached audio. */
  clearCache(): void {
    this.cache.clear();
  }

  /** Utterances, speakers and minutes of audio (from the headers; nothing is decoded), and skip counts. */
  stats(): LibriSpeechStats {
    this.need();
    let samples = 0;
    for (const n of this.lengths.values()) samples += n;
    const skipped = Object.fromEntries(REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
    for (const s of this.skipped) skipped[s.reason]++;
    const kept = this.idList.filter((id) => !this.badAtLoad.has(id));
    for (const id of this.badAtLoad) samples -= this.lengths.get(id) ?? 0;
    const seconds = samples / this.sampleRate;
    return {
      utterances: kept.length,
      speakers: new Set(kept.map((id) => speakerOf(id))).size,
      speakerLabels: this.speakerList.length,
      seconds,
      minutes: seconds / 60,
      skipped,
    };
  }
}
