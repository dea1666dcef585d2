/**
 * LibriSpeech names and the CPC label files: utterance ids, their FLAC paths, split lists and phone alignments.
 *
 * Layout: `<root>/train-clean-100/<spk>/<chapter>/<spk>-<chapter>-<utt>.flac`. Split files (`train_split.txt`,
 * `test_split.txt`) hold one utterance id per line; `converted_aligned_phones.txt` holds `<id> p1 p2 …`, one phone
 * class 0..40 per 10 ms frame. Errors name the file, and the line where there is one.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';

import { DataFileError, describeFsError } from './errors.js';

/** The LibriSpeech subset the CPC/GIM splits draw from. */
export const DEFAULT_SUBSET = 'train-clean-100';
/** Number of phone classes in converted_aligned_phones.txt (labels 0..40). */
export const NUM_PHONE_CLASSES = 41;

const UTTERANCE_ID = /^(\d+)-(\d+)-(\d+)$/;

/** The parts of an utterance id `<speaker>-<chapter>-<utterance>`. */
export interface UtteranceIdParts {
  speaker: string;
  chapter: string;
  utterance: string;
}

/** Whether `id` has the LibriSpeech form `<digits>-<digits>-<digits>`. */
export function isUtteranceId(id: string): boolean {
  return UTTERANCE_ID.test(id);
}

/** Split `103-1240-0000` into speaker, chapter and utterance; throws on a malformed id. */
export function parseUtteranceId(id: string): UtteranceIdParts {
  const m = UTTERANCE_ID.exec(id);
  if (!m)
    throw new Error(`malformed LibriSpeech utterance id "${id}", expected <speaker>-<chapter>-<utterance> (digits)`);
  return { speaker: m[1]!, chapter: m[2]!, utterance: m[3]! };
}

/** The speaker id of an utterance id (`103-1240-0000` → `103`). */
export function speakerOf(id: string): string {
  return parseUtteranceId(id).speaker;
}

/** The FLAC path of an utterance: `<root>/<subset>/<spk>/<chapter>/<id>.flac`. */
export function utterancePath(root: string, id: string, subset: string = DEFAULT_SUBSET): string {
  const { speaker, chapter } = parseUtteranceId(id);
  return join(root, subset, speaker, chapter, `${id}.flac`);
}

/** Speaker ids in label order: numeric ascending (LibriSpeech speaker ids are integers), duplicates removed. */
export function sortSpeakers(speakers: Iterable<string>): string[] {
  return [...new Set(speakers)].sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Samples per phone label frame (10 ms at 16 kHz). */
export const PHONE_FRAME_SAMPLES = 160;
/**
 * Label frames an alignment may lack against ⌊samples / 160⌋: the synthetic corpus labels every full 10 ms frame, and
 * Kaldi-style alignments (25 ms windows, 10 ms shift, snip-edges) label 1 + ⌊(samples − 400) / 160⌋, one or two fewer.
 */
export const PHONE_FRAMES_SHORT = 2;

/** The label counts an utterance of `samples` samples may have: ⌊samples/160⌋ − 2 ..⌊samples/160⌋. */
export function phoneFrameRange(samples: number): { min: number; max: number } {
  const max = Math.floor(samples / PHONE_FRAME_SAMPLES);
  return { min: Math.max(1, max - PHONE_FRAMES_SHORT), max };
}

/** Throw `<alignmentFile>: utterance <id> has N phone labels ...` unless `labels` fits audio of `samples` samples. */
export function checkPhoneFrames(alignmentFile: string, id: string, labels: number, samples: number): void {
  const { min, max } = phoneFrameRange(samples);
  if (labels >= min && labels <= max) return;
  throw new DataFileError(
    alignmentFile,
    `utterance ${id} has ${labels} phone labels, but its audio (${samples} samples) has ${max} frames of 10 ms: ` +
      `expected ${min}..${max} labels`,
  );
}

/**
 * Check that `root` is a LibriSpeech-layout directory holding `splitFile` (default `<root>/train_split.txt`):
 * `<root>: no train_split.txt (LibriSpeech layout expected)` when it is absent, empty or lacks the file, and a clear
 * message when `root` is a file.
 */
export async function checkLibriSpeechRoot(root: string, splitFile = join(root, 'train_split.txt')): Promise<void> {
  const kind = await stat(root).then(
    (s) => (s.isDirectory() ? 'directory' : 'file'),
    (err: unknown) => {
      const code = (err as { code?: unknown }).code;
      if (code === 'ENOTDIR') return 'under-file';
      if (code === 'ENOENT') return 'missing';
      throw new DataFileError(root, `cannot read the data root: ${describeFsError(err)}`, { cause: err });
    },
  );
  if (kind === 'file' || kind === 'under-file') {
    const what = kind === 'file' ? 'is a file' : 'a folder in the path is a file';
    throw new DataFileError(root, `${what}, not a directory (data.root must be a LibriSpeech-layout directory)`);
  }
  const hasSplit = await stat(splitFile).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!hasSplit) {
    const inside = relative(root, splitFile);
    const name = inside.startsWith('..') || isAbsolute(inside) ? splitFile : inside;
    const where = kind === 'missing' ? ' (it does not exist)' : '';
    throw new DataFileError(root, `no ${name} (LibriSpeech layout expected)${where}`);
  }
}

async function readText(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new DataFileError(path, `cannot read ${what}: ${describeFsError(err)}`, { cause: err });
  }
}

/** Utterance ids listed in a split file, in file order; blank lines ignored, repeated ids kept once. */
export async function readSplit(path: string): Promise<string[]> {
  const text = (await readText(path, 'split file')).toString('utf8');
  const ids: string[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const id = lines[i]!.trim();
    if (id === '') continue;
    if (!UTTERANCE_ID.test(id)) {
      throw new DataFileError(
        `${path}:${i + 1}`,
        `malformed utterance id "${id.slice(0, 80)}", expected <speaker>-<chapter>-<utterance> such as 103-1240-0000`,
      );
    }
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  }
  if (ids.length === 0) throw new DataFileError(path, 'split file lists no utterance ids');
  return ids;
}

/**
 * Phone labels per utterance from converted_aligned_phones.txt: `<id> p1 p2 …`, labels 0..40, one per 10 ms.
 * `only`, when given, keeps just those ids (to save memory); lines are still all validated.
 */
export async function readPhoneAlignments(path: string, only?: ReadonlySet<string>): Promise<Map<string, Uint8Array>> {
  const bytes = await readText(path, 'phone alignment file');
  const out = new Map<string, Uint8Array>();
  const labels = new Uint8Array(1 << 16);
  let lineNo = 0;
  let parsed = 0;
  let pos = 0;
  const fail = (detail: string): never => {
    throw new DataFileError(`${path}:${lineNo}`, detail);
  };
  while (pos < bytes.length) {
    lineNo++;
    let end = bytes.indexOf(0x0a, pos);
    if (end < 0) end = bytes.length;
    let lineEnd = end;
    if (lineEnd > pos && bytes[lineEnd - 1] === 0x0d) lineEnd--;
    let p = pos;
    pos = end + 1;
    const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x09;
    while (p < lineEnd && isSpace(bytes[p])) p++;
    if (p === lineEnd) continue; // blank line
    const idStart = p;
    while (p < lineEnd && !isSpace(bytes[p])) p++;
    const id = bytes.toString('latin1', idStart, p);
    if (!UTTERANCE_ID.test(id)) fail(`malformed utterance id "${id.slice(0, 80)}" at the start of the line`);
    if (out.has(id)) fail(`utterance ${id} appears a second time`);
    let n = 0;
    for (;;) {
      while (p < lineEnd && isSpace(bytes[p])) p++;
      if (p === lineEnd) break;
      let v = 0;
      const tokStart = p;
      while (p < lineEnd && !isSpace(bytes[p])) {
        const c = bytes[p]!;
        if (c < 0x30 || c > 0x39 || p - tokStart > 3) {
          while (p < lineEnd && !isSpace(bytes[p])) p++;
          fail(
            `utterance ${id}: label "${bytes.toString('latin1', tokStart, p).slice(0, 20)}" is not an integer 0..40`,
          );
        }
        v = v * 10 + (c - 0x30);
        p++;
      }
      if (v >= NUM_PHONE_CLASSES)
        fail(`utterance ${id}: label ${v} (frame ${n}) is outside 0..${NUM_PHONE_CLASSES - 1}`);
      if (n === labels.length) fail(`utterance ${id}: more than ${labels.length} frames`);
      labels[n++] = v;
    }
    if (n === 0) fail(`utterance ${id} has no phone labels`);
    parsed++;
    if (!only || only.has(id)) out.set(id, labels.slice(0, n));
  }
  if (parsed === 0) throw new DataFileError(path, 'phone alignment file is empty');
  return out;
}
