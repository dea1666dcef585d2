/**
 * Builds a labelled synthetic speech corpus in exactly the LibriSpeech + CPC layout, so one reader serves both:
 *
 *   <out>/train-clean-100/<spk>/<chapter>/<spk>-<chapter>-<utt>.flac   16 kHz mono 16-bit FLAC
 *   <out>/train-clean-100/<spk>/<chapter>/<spk>-<chapter>.trans.txt    transcripts, as LibriSpeech has
 *   <out>/train_split.txt, <out>/test_split.txt                         utterance ids, one a line
 *   <out>/converted_aligned_phones.txt                                  `<utt-id> p1 p2 ...`, one class (0..40) per 10 ms
 *   <out>/corpus.json                                                   args, speakers, counts (written last)
 *
 * The corpus is built in a hidden folder beside `<out>` (`.<name>.partial-<pid>`) and renamed to `<out>` only when every
 * file is written, so an interrupted build never leaves a half-built corpus at `<out>`; partial folders of builds that
 * died are removed by the next build. `<out>` must be absent or an empty directory (unless `overwrite`).
 *
 * Speech comes from flite (phone timings from the synthesiser itself), sentences from Debian's fortunes. Sentence
 * choice, their assignment to speakers and the train/test split come from a seeded PRNG, and flite, sox (-R) and flac
 * are deterministic, so a seed fixes every output byte.
 */
import { availableParallelism } from 'node:os';
import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { describeFsError } from './errors.js';
import { PHONES } from './phones.js';
import { FRAME_SAMPLES, frameLabels, SAMPLE_RATE } from './synth-labels.js';
import { MAX_SPEAKERS, synthSpeakers, type SynthSpeaker } from './synth-speakers.js';
import { Rng } from '../../util/rng.js';
import { DEFAULT_FORTUNES_DIR, loadSentencePool } from './synth-text.js';
import { fliteVersion, requireTools, synthesizeUtterance } from './synth-tools.js';

export interface SpeechCorpusProgress {
  done: number;
  total: number;
  utterance: string;
}

export interface SpeechCorpusArgs {
  /** Output directory; must be empty or absent unless `overwrite`. Built beside it, then renamed into place. */
  out: string;
  /** Number of speakers, 1..48 (default 24). */
  speakers?: number;
  /** Utterances per speaker (default 40). */
  utterancesPerSpeaker?: number;
  /** PRNG seed for sentence choice, assignment and split (default 0). */
  seed?: number;
  /** Sentence length bounds in words (defaults 4 and 20). */
  minWords?: number;
  maxWords?: number;
  /** Share of each speaker's utterances in the test split (default 0.2; at least one each side when a speaker has 2+). */
  testFraction?: number;
  /** Synthesis processes run at once (default min(2, cores)). */
  jobs?: number;
  /** Replace an existing corpus at `out` (its corpus files; other files there are kept). */
  overwrite?: boolean;
  /** Where the fortune files are (default /usr/share/games/fortunes). */
  fortunesDir?: string;
  onProgress?: (p: SpeechCorpusProgress) => void;
}

export interface SpeechCorpusReport {
  out: string;
  speakers: number;
  utterances: number;
  /** Minutes of audio. */
  minutes: number;
  trainUtterances: number;
  testUtterances: number;
  /** Wall-clock seconds the build took. */
  seconds: number;
}

/** The files the builder writes at the top of `out`. */
export const CORPUS_FILES = ['train_split.txt', 'test_split.txt', 'converted_aligned_phones.txt', 'corpus.json'];
const SUBSET = 'train-clean-100';

interface Utterance {
  id: string;
  speaker: SynthSpeaker;
  text: string;
  flac: string;
  labels?: number[];
  samples?: number;
}

function intArg(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

/** What is at `out`: nothing, an empty directory, a non-empty one, or something that is not a directory. */
export async function outState(out: string): Promise<'absent' | 'empty' | 'full' | 'not-a-directory'> {
  const info = await stat(out).catch((err: unknown) => {
    if ((err as { code?: unknown }).code === 'ENOENT') return null;
    throw new Error(`${out}: cannot use as the corpus directory: ${describeFsError(err)}`, { cause: err });
  });
  if (info === null) return 'absent';
  if (!info.isDirectory()) return 'not-a-directory';
  return (await readdir(out)).length === 0 ? 'empty' : 'full';
}

async function checkOut(out: string, overwrite: boolean): Promise<void> {
  const state = await outState(out);
  if (state === 'not-a-directory') throw new Error(`${out}: is a file, not a directory; choose another output`);
  if (state === 'full' && !overwrite) {
    throw new Error(
      `${out}: not empty; the corpus is built only into an empty or absent directory (nothing was written)`,
    );
  }
}

/** The hidden folder beside `out` that a build of this process writes into. */
export function partialDirOf(out: string, pid: number = process.pid): string {
  const abs = resolve(out);
  return join(dirname(abs), `.${basename(abs)}.partial-${pid}`);
}

/** Remove partial folders beside `out` left by builds whose process no longer runs. */
export async function removeStalePartials(out: string): Promise<void> {
  const abs = resolve(out);
  const prefix = `.${basename(abs)}.partial-`;
  const names = await readdir(dirname(abs)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || processRuns(pid)) continue;
    await rm(join(dirname(abs), name), { recursive: true, force: true });
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === 'EPERM';
  }
}

/** Move the finished build at `partial` to `out` (replacing its corpus files when `overwrite`). */
async function publish(partial: string, out: string, overwrite: boolean): Promise<void> {
  const state = await outState(out);
  if (state === 'empty') await rmdir(out);
  if (state === 'absent' || state === 'empty') {
    await rename(partial, out);
    return;
  }
  if (state !== 'full' || !overwrite) {
    throw new Error(
      `${out}: changed during the build and is no longer empty; the finished corpus is kept at ${partial}`,
    );
  }
  for (const name of [SUBSET, '.synth-tmp', ...CORPUS_FILES])
    await rm(join(out, name), { recursive: true, force: true });
  for (const name of await readdir(partial)) await rename(join(partial, name), join(out, name));
  await rm(partial, { recursive: true, force: true });
}

/** Runs `work(i)` for i in 0..n-1 with at most `jobs` running at once; the first error stops new work and is thrown. */
export async function runPool(n: number, jobs: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < n) {
      const i = next++;
      try {
        await work(i);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, n) }, worker));
  if (failure !== undefined) throw failure;
}

const lines = (items: readonly string[]): string => items.map((s) => `${s}\n`).join('');

/** Builds the corpus (see the file comment); resolves with counts and the time taken. */
export async function buildSpeechCorpus(args: SpeechCorpusArgs): Promise<SpeechCorpusReport> {
  const t0 = performance.now();
  const nSpeakers = intArg('speakers', args.speakers ?? 24, 1, MAX_SPEAKERS);
  const perSpeaker = intArg('utterancesPerSpeaker', args.utterancesPerSpeaker ?? 40, 1, 9999);
  const seed = intArg('seed', args.seed ?? 0, 0, 2 ** 32 - 1);
  const minWords = intArg('minWords', args.minWords ?? 4, 1, 1000);
  const maxWords = intArg('maxWords', args.maxWords ?? 20, minWords, 1000);
  const testFraction = args.testFraction ?? 0.2;
  if (!(testFraction >= 0 && testFraction < 1)) throw new Error(`testFraction must be in [0, 1), got ${testFraction}`);
  const jobs = intArg('jobs', args.jobs ?? Math.min(2, availableParallelism()), 1, 64);
  const fortunesDir = args.fortunesDir ?? DEFAULT_FORTUNES_DIR;

  await requireTools();
  const pool = await loadSentencePool(fortunesDir, { minWords, maxWords });
  const needed = nSpeakers * perSpeaker;
  if (pool.length < needed) {
    throw new Error(
      `only ${pool.length} sentences of ${minWords}..${maxWords} words in ${fortunesDir}; need ${needed}`,
    );
  }
  const overwrite = args.overwrite ?? false;
  await checkOut(args.out, overwrite);
  await removeStalePartials(args.out);
  const build = partialDirOf(args.out);
  await rm(build, { recursive: true, force: true });
  await mkdir(join(build, SUBSET), { recursive: true });
  let counts;
  try {
    const size = { nSpeakers, perSpeaker, seed, minWords, maxWords, testFraction, jobs };
    counts = await buildInto(build, size, pool, args);
  } catch (err) {
    await rm(build, { recursive: true, force: true });
    throw err;
  }
  await publish(build, args.out, overwrite);
  return { out: args.out, ...counts, seconds: (performance.now() - t0) / 1000 };
}

interface CorpusSize {
  nSpeakers: number;
  perSpeaker: number;
  seed: number;
  minWords: number;
  maxWords: number;
  testFraction: number;
  jobs: number;
}

/** Synthesise the whole corpus into `out` (the build folder); see the file comment. */
async function buildInto(
  out: string,
  size: CorpusSize,
  pool: readonly string[],
  args: SpeechCorpusArgs,
): Promise<Omit<SpeechCorpusReport, 'out' | 'seconds'>> {
  const { nSpeakers, perSpeaker, seed, minWords, maxWords, testFraction, jobs } = size;
  const needed = nSpeakers * perSpeaker;

  // One PRNG stream: first the sentences (and so their speakers), then each speaker's split.
  const rng = new Rng(seed);
  const sentences = rng.shuffled(pool).slice(0, needed);
  const speakers = synthSpeakers(nSpeakers);
  const utterances: Utterance[] = [];
  for (const [k, speaker] of speakers.entries()) {
    const dir = join(out, SUBSET, String(speaker.id), String(speaker.chapter));
    await mkdir(dir, { recursive: true });
    for (let j = 0; j < perSpeaker; j++) {
      const id = `${speaker.id}-${speaker.chapter}-${String(j).padStart(4, '0')}`;
      const text = sentences[k * perSpeaker + j] as string;
      utterances.push({ id, speaker, text, flac: join(dir, `${id}.flac`) });
    }
  }

  const tmp = join(out, '.synth-tmp');
  await mkdir(tmp, { recursive: true });
  let done = 0;
  try {
    await runPool(utterances.length, jobs, async (i) => {
      const u = utterances[i] as Utterance;
      const { timings, numSamples } = await synthesizeUtterance(u.text, u.speaker, u.flac, join(tmp, u.id));
      u.labels = frameLabels(timings, numSamples);
      u.samples = numSamples;
      args.onProgress?.({ done: ++done, total: utterances.length, utterance: u.id });
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }

  const train: string[] = [];
  const test: string[] = [];
  const speakerRows = [];
  for (const [k, speaker] of speakers.entries()) {
    const own = utterances.slice(k * perSpeaker, (k + 1) * perSpeaker);
    const nTest = perSpeaker < 2 ? 0 : Math.min(perSpeaker - 1, Math.max(1, Math.round(perSpeaker * testFraction)));
    const order = rng.shuffled(own);
    test.push(...order.slice(0, nTest).map((u) => u.id));
    train.push(...order.slice(nTest).map((u) => u.id));
    const trans = own.map((u) => `${u.id} ${u.text.toUpperCase()}`);
    await writeFile(
      join(out, SUBSET, String(speaker.id), String(speaker.chapter), `${speaker.id}-${speaker.chapter}.trans.txt`),
      lines(trans),
    );
    const samples = own.reduce((a, u) => a + (u.samples ?? 0), 0);
    speakerRows.push({
      ...speaker,
      utterances: own.length,
      train: own.length - nTest,
      test: nTest,
      minutes: samples / SAMPLE_RATE / 60,
    });
  }
  train.sort();
  test.sort();
  const alignment = utterances.map((u) => `${u.id} ${(u.labels ?? []).join(' ')}`).sort();
  const totalSamples = utterances.reduce((a, u) => a + (u.samples ?? 0), 0);
  const minutes = totalSamples / SAMPLE_RATE / 60;
  await writeFile(join(out, 'train_split.txt'), lines(train));
  await writeFile(join(out, 'test_split.txt'), lines(test));
  await writeFile(join(out, 'converted_aligned_phones.txt'), lines(alignment));

  const corpus = {
    format: 'gim-synthetic-speech/1',
    args: { speakers: nSpeakers, utterancesPerSpeaker: perSpeaker, seed, minWords, maxWords, testFraction },
    seed,
    synthesiser: await fliteVersion(),
    sampleRate: SAMPLE_RATE,
    frameSamples: FRAME_SAMPLES,
    phones: PHONES,
    sentencePool: pool.length,
    speakers: speakerRows,
    counts: {
      utterances: utterances.length,
      train: train.length,
      test: test.length,
      frames: utterances.reduce((a, u) => a + (u.labels?.length ?? 0), 0),
      samples: totalSamples,
    },
    minutes,
  };
  await writeFile(join(out, 'corpus.json'), `${JSON.stringify(corpus, null, 2)}\n`);

  return {
    speakers: nSpeakers,
    utterances: utterances.length,
    minutes,
    trainUtterances: train.length,
    testUtterances: test.length,
  };
}
