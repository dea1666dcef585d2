/**
 * Builds a speaker-identification corpus of real recorded voices (see real-speech-sources.ts) in the LibriSpeech layout:
 *
 *   <out>/train-clean-100/<spk>/<chapter>/<spk>-<chapter>-<utt>.flac   16 kHz mono 16-bit FLAC
 *   <out>/train_split.txt, <out>/test_split.txt                         utterance ids, split per speaker
 *   <out>/manifest.json                                                 every clip: source package and file, language,
 *                                                                       voice, duration, text, split
 *   <out>/corpus.json                                                   args, speakers, counts (written last)
 *
 * One speaker per voice = (source, language): voice and language coincide, so speaker identification here is also
 * language identification. Chapter = source (1 tuxpaint, 2 ktuberling). There is no phone alignment file: the corpus
 * serves speaker probes only. Recordings with the same bytes are kept once (the first in path order); formats sox does
 * not read (Opus) are skipped and counted; voices with fewer than `minClips` clips are dropped and reported.
 *
 * Built in a hidden folder beside `<out>` and renamed into place when complete, so `<out>` holds either nothing or a
 * complete corpus (one with corpus.json). A second build with the same arguments finds the corpus complete and does
 * nothing; `<out>` must otherwise be absent or empty. Clip selection (`maxPerVoice`) and the train/test split use a
 * PRNG seeded per voice, and sox -R is deterministic, so the arguments fix every output byte.
 */
import { availableParallelism } from 'node:os';
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { DataFileError } from './errors.js';
import {
  audioFormatOf,
  contentHash,
  convertToFlac,
  REAL_SPEECH_SAMPLE_RATE,
  soxReadableFormats,
} from './real-speech-convert.js';
import {
  findSourceRoot,
  REAL_SPEECH_SOURCES,
  scanSource,
  SOURCE_PACKAGES,
  type RealSpeechSource,
  type SourceClip,
} from './real-speech-sources.js';
import { outState, partialDirOf, removeStalePartials, runPool } from './synth.js';
import { missingTools } from './synth-tools.js';
import { mixSeed, Rng } from '../../util/rng.js';

export const REAL_SPEECH_FORMAT = 'gim-real-speech/1';
const SUBSET = 'train-clean-100';
/** Speaker id of a source's first voice − 1; its chapter id. */
const SOURCE_IDS: Record<RealSpeechSource, { speakerBase: number; chapter: number }> = {
  tuxpaint: { speakerBase: 1000, chapter: 1 },
  ktuberling: { speakerBase: 2000, chapter: 2 },
};
const UTTERANCE_DIGITS = 4;
export const CONFOUND_NOTE =
  'Each voice is one language recorded by one speaker: voice and language coincide, so speaker identification on ' +
  'this corpus is also language identification.';

export interface RealSpeechProgress {
  done: number;
  total: number;
  utterance: string;
}

export interface RealSpeechArgs {
  /** Output folder: absent, empty, or a complete corpus built with the same arguments (then nothing is done). */
  out: string;
  /** Sources to read (default both). */
  sources?: readonly RealSpeechSource[];
  /** Data folders of the sources (default: found with dpkg -L, else /usr/share/tuxpaint, /usr/share/ktuberling/sounds). */
  roots?: Partial<Record<RealSpeechSource, string>>;
  /** At most this many clips per voice, chosen by the seeded PRNG (default 0: all). */
  maxPerVoice?: number;
  /** Voices with fewer clips (after duplicates and unreadable formats are removed) are dropped (default 20). */
  minClips?: number;
  /** Seed of clip selection and of the split (default 0). */
  seed?: number;
  /** Share of each voice's clips in the test split (default 0.2; at least one each side). */
  testFraction?: number;
  /** Skip (and count) recordings sox fails to decode instead of stopping (default false). */
  skipBad?: boolean;
  /** sox processes at once (default min(2, cores)). */
  jobs?: number;
  onProgress?: (p: RealSpeechProgress) => void;
}

export interface RealSpeechVoice {
  speaker: number;
  chapter: number;
  source: RealSpeechSource;
  package: string;
  language: string;
  voice: string;
  clips: number;
  train: number;
  test: number;
  minutes: number;
}

export interface RealSpeechReport {
  out: string;
  /** True when `out` already held this corpus and nothing was done. */
  alreadyComplete: boolean;
  voices: RealSpeechVoice[];
  clips: number;
  trainClips: number;
  testClips: number;
  minutes: number;
  /** Recordings dropped as byte-identical copies of an earlier one. */
  duplicates: number;
  /** Recordings in formats sox does not read, per format. */
  unsupported: Record<string, number>;
  /** Recordings sox failed to decode (only with skipBad), by source file. */
  bad: string[];
  /** Voices dropped for having fewer than minClips clips: voice → clips. */
  droppedVoices: Record<string, number>;
  seconds: number;
}

interface Clip extends SourceClip {
  voice: string;
  hash: string;
  id?: string;
  samples?: number;
  split?: 'train' | 'test';
}

function intArg(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${value}`);
  return value;
}

/** A 32-bit hash of a voice name, so each voice's PRNG stream does not depend on which other voices exist. */
function nameSeed(name: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(name, 'utf8')) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return h;
}

const lines = (items: readonly string[]): string => items.map((s) => `${s}\n`).join('');
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The arguments that determine the corpus (recorded in corpus.json; a rebuild with others is refused). */
function corpusArgs(args: RealSpeechArgs, roots: Record<string, string>) {
  return {
    sources: [...(args.sources ?? REAL_SPEECH_SOURCES)],
    roots,
    maxPerVoice: intArg('maxPerVoice', args.maxPerVoice ?? 0, 0),
    minClips: intArg('minClips', args.minClips ?? 20, 2),
    seed: intArg('seed', args.seed ?? 0, 0),
    testFraction: args.testFraction ?? 0.2,
    skipBad: args.skipBad ?? false,
  };
}
type CorpusArgs = ReturnType<typeof corpusArgs>;

async function resolveRoots(args: RealSpeechArgs): Promise<Record<string, string>> {
  const roots: Record<string, string> = {};
  for (const source of args.sources ?? REAL_SPEECH_SOURCES) {
    if (!(REAL_SPEECH_SOURCES as readonly string[]).includes(source)) {
      throw new Error(`unknown source '${source}' (known: ${REAL_SPEECH_SOURCES.join(', ')})`);
    }
    const given = args.roots?.[source];
    const root = given ?? (await findSourceRoot(source));
    if (root === undefined) {
      const pkg = SOURCE_PACKAGES[source].package;
      throw new Error(
        `${source}: the Debian package ${pkg} is not installed: 'apt-get install -y ${pkg}' (in a checkout: bash scripts/setup.sh), ` +
          `or pass --${source}-root <folder>`,
      );
    }
    roots[source] = resolve(root);
  }
  return roots;
}

/** The report of a complete corpus at `out` (its corpus.json), or null when `out` holds none. */
async function readComplete(out: string): Promise<{ args: CorpusArgs; report: RealSpeechReport } | null> {
  const text = await readFile(join(out, 'corpus.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  const json = JSON.parse(text) as { format?: string; args: CorpusArgs; report: RealSpeechReport };
  if (json.format !== REAL_SPEECH_FORMAT) throw new DataFileError(join(out, 'corpus.json'), 'not a real-speech corpus');
  return json;
}

/** Builds the corpus (see the file comment), or finds it complete; resolves with what is there. */
export async function buildRealSpeechCorpus(args: RealSpeechArgs): Promise<RealSpeechReport> {
  const t0 = performance.now();
  const out = args.out;
  const testFraction = args.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`testFraction must be in (0, 1), got ${testFraction}`);
  const jobs = intArg('jobs', args.jobs ?? Math.min(2, availableParallelism()), 1);
  const state = await outState(out);
  if (state === 'not-a-directory') throw new Error(`${out}: is a file, not a directory; choose another output`);
  if (state === 'full') {
    const complete = await readComplete(out).catch(() => null);
    if (complete === null) {
      throw new Error(
        `${out}: not empty and not a complete real-speech corpus (no corpus.json); nothing was written. ` +
          'Choose an empty or absent folder',
      );
    }
    const given = Object.fromEntries(Object.entries(args.roots ?? {}).map(([s, r]) => [s, resolve(r)]));
    const wanted = corpusArgs(args, { ...complete.args.roots, ...given });
    if (JSON.stringify(wanted) !== JSON.stringify(complete.args)) {
      throw new Error(
        `${out}: holds a complete real-speech corpus built with other arguments ${JSON.stringify(complete.args)}; ` +
          'remove it or choose another folder to build with these',
      );
    }
    return { ...complete.report, out, alreadyComplete: true, seconds: (performance.now() - t0) / 1000 };
  }
  if ((await missingTools(['sox'])).length > 0) {
    throw new Error(
      "real speech needs sox, not found on PATH: 'apt-get install -y sox' (in a checkout: bash scripts/setup.sh)",
    );
  }
  const cargs = corpusArgs(args, await resolveRoots(args));
  await removeStalePartials(out);
  const build = partialDirOf(out);
  await rm(build, { recursive: true, force: true });
  let report: RealSpeechReport;
  try {
    report = await buildInto(build, cargs, jobs, args.onProgress);
  } catch (err) {
    await rm(build, { recursive: true, force: true });
    throw err;
  }
  const now = await outState(out);
  if (now === 'empty') await rmdir(out);
  if (now !== 'absent' && now !== 'empty') {
    throw new Error(`${out}: changed during the build and is no longer empty; the finished corpus is kept at ${build}`);
  }
  await rename(build, out);
  return { ...report, out, seconds: (performance.now() - t0) / 1000 };
}

/** Scan, deduplicate and select the clips of every voice; the voices kept, sorted, each with its clips. */
async function selectClips(
  cargs: CorpusArgs,
  report: RealSpeechReport,
  available: Map<string, number>,
): Promise<Map<string, Clip[]>> {
  const readable = await soxReadableFormats();
  const seen = new Set<string>();
  const byVoice = new Map<string, Clip[]>();
  for (const source of cargs.sources) {
    for (const found of await scanSource(source, cargs.roots[source]!)) {
      const hash = await contentHash(found.file);
      if (seen.has(hash)) {
        report.duplicates++;
        continue;
      }
      seen.add(hash);
      const format = await audioFormatOf(found.file);
      if (!readable.has(format)) {
        report.unsupported[format] = (report.unsupported[format] ?? 0) + 1;
        continue;
      }
      const voice = `${source}-${found.language}`;
      const list = byVoice.get(voice) ?? [];
      list.push({ ...found, voice, hash });
      byVoice.set(voice, list);
    }
  }
  const kept = new Map<string, Clip[]>();
  for (const voice of [...byVoice.keys()].sort(compare)) {
    const clips = byVoice.get(voice)!;
    available.set(voice, clips.length);
    if (clips.length < cargs.minClips) {
      report.droppedVoices[voice] = clips.length;
      continue;
    }
    const rng = new Rng(mixSeed(cargs.seed, nameSeed(voice), 1));
    const chosen = cargs.maxPerVoice > 0 ? rng.shuffled(clips).slice(0, cargs.maxPerVoice) : clips;
    kept.set(
      voice,
      chosen.sort((a, b) => compare(a.relFile, b.relFile)),
    );
  }
  return kept;
}

async function buildInto(
  build: string,
  cargs: CorpusArgs,
  jobs: number,
  onProgress: RealSpeechArgs['onProgress'],
): Promise<RealSpeechReport> {
  const report: RealSpeechReport = {
    out: build,
    alreadyComplete: false,
    voices: [],
    clips: 0,
    trainClips: 0,
    testClips: 0,
    minutes: 0,
    duplicates: 0,
    unsupported: {},
    bad: [],
    droppedVoices: {},
    seconds: 0,
  };
  const availableOf = new Map<string, number>();
  const voices = await selectClips(cargs, report, availableOf);
  const rank: Record<string, number> = {};
  const all: Clip[] = [];
  for (const clips of voices.values()) {
    const { source } = clips[0]!;
    const { speakerBase, chapter } = SOURCE_IDS[source];
    const speaker = speakerBase + (rank[source] = (rank[source] ?? 0) + 1);
    const dir = join(build, SUBSET, String(speaker), String(chapter));
    await mkdir(dir, { recursive: true });
    clips.forEach((c, i) => (c.id = `${speaker}-${chapter}-${String(i).padStart(UTTERANCE_DIGITS, '0')}`));
    all.push(...clips);
  }
  let done = 0;
  await runPool(all.length, jobs, async (i) => {
    const clip = all[i]!;
    const [speaker, chapter] = clip.id!.split('-');
    const flac = join(build, SUBSET, speaker!, chapter!, `${clip.id!}.flac`);
    try {
      clip.samples = await convertToFlac(clip.file, flac);
    } catch (err) {
      if (!cargs.skipBad) throw err;
      report.bad.push(clip.file);
      await rm(flac, { force: true });
    }
    onProgress?.({ done: ++done, total: all.length, utterance: clip.id! });
  });
  report.bad.sort(compare);

  const train: string[] = [];
  const test: string[] = [];
  for (const [voice, clips] of voices) {
    const ok = clips.filter((c) => c.samples !== undefined);
    const available = (availableOf.get(voice) ?? 0) - (clips.length - ok.length); // before maxPerVoice, less bad ones
    if (available < cargs.minClips || ok.length < 2) {
      report.droppedVoices[voice] = available;
      await rm(join(build, SUBSET, clips[0]!.id!.split('-')[0]!), { recursive: true, force: true });
      continue;
    }
    const nTest = Math.min(ok.length - 1, Math.max(1, Math.round(ok.length * cargs.testFraction)));
    const order = new Rng(mixSeed(cargs.seed, nameSeed(voice), 2)).shuffled(ok);
    order.forEach((c, i) => (c.split = i < nTest ? 'test' : 'train'));
    for (const c of ok) (c.split === 'test' ? test : train).push(c.id!);
    const first = ok[0]!;
    const [speaker, chapter] = first.id!.split('-').map(Number);
    const samples = ok.reduce((a, c) => a + c.samples!, 0);
    report.voices.push({
      speaker: speaker!,
      chapter: chapter!,
      source: first.source,
      package: first.package,
      language: first.language,
      voice,
      clips: ok.length,
      train: ok.length - nTest,
      test: nTest,
      minutes: samples / REAL_SPEECH_SAMPLE_RATE / 60,
    });
  }
  const kept = all.filter((c) => c.split !== undefined);
  report.clips = kept.length;
  report.trainClips = train.length;
  report.testClips = test.length;
  report.minutes = report.voices.reduce((a, v) => a + v.minutes, 0);
  if (kept.length === 0) {
    throw new Error(
      `no voice has ${cargs.minClips} or more clips in ${Object.values(cargs.roots).join(', ')} ` +
        `(voices found: ${JSON.stringify(report.droppedVoices)})`,
    );
  }
  await writeFile(join(build, 'train_split.txt'), lines(train.sort(compare)));
  await writeFile(join(build, 'test_split.txt'), lines(test.sort(compare)));
  const manifest = {
    format: REAL_SPEECH_FORMAT,
    note: CONFOUND_NOTE,
    sampleRate: REAL_SPEECH_SAMPLE_RATE,
    clips: kept.map((c) => ({
      id: c.id,
      speaker: Number(c.id!.split('-')[0]),
      voice: c.voice,
      language: c.language,
      source: c.source,
      package: c.package,
      sourceFile: c.relFile,
      sha256: c.hash,
      seconds: c.samples! / REAL_SPEECH_SAMPLE_RATE,
      text: c.text,
      split: c.split,
    })),
  };
  await writeFile(join(build, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  const corpus = { format: REAL_SPEECH_FORMAT, note: CONFOUND_NOTE, args: cargs, report: { ...report, out: '' } };
  await writeFile(join(build, 'corpus.json'), `${JSON.stringify(corpus, null, 2)}\n`);
  return report;
}
