/**
 * Sentences for the synthetic speech corpus, taken from Debian's `fortunes` package.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where Debian's `fortunes` / `fortunes-min` packages put their files. */
export const DEFAULT_FORTUNES_DIR = '/usr/share/games/fortunes';

/**
 * The fortune files read, in this order (the order fixes the sentence pool, so keep it). Files with mostly crude,
 * ethnic or drug jokes (men-women, ethnic, drugs), non-prose formats (definitions, riddles, ascii-art, zippy) and IRC
 * or source-code quotes are left out; Debian's offensive set (fortunes-off) is never read.
 */
export const FORTUNE_FILES = [
  'fortunes',
  'literature',
  'wisdom',
  'science',
  'people',
  'humorists',
  'education',
  'food',
  'kids',
  'pets',
  'platitudes',
  'tao',
  'work',
  'law',
  'magic',
  'medicine',
  'miscellaneous',
  'news',
  'goedel',
  'paradoxum',
  'cookie',
  'art',
  'love',
  'sports',
  'startrek',
  'pratchett',
  'politics',
  'computers',
  'songs-poems',
];

/** A small blocklist of crude words; a sentence containing any of them is dropped. Matched at word starts. */
const BLOCKLIST =
  /\b(sex|fuck|shit|piss|damn|bitch|bastard|ass\b|asses\b|asshole|whore|slut|rape|raping|penis|vagin|breast|nude|naked|orgasm|porn|dick\b|cock|crap|screw|bloody|hell\b|suicide|kill|murder|nazi|drunk|virgin|lust|seduc|mistress|prostitut|harlot|erotic|condom)/i;

/** Plain ASCII prose: letters, spaces and simple punctuation, starting with a capital, ending . ! or ?. */
const PLAIN = /^[A-Z][A-Za-z ,;'!?.-]*[.!?]$/;

export interface SentenceFilter {
  minWords: number;
  maxWords: number;
}

/** Splits one fortune entry into candidate sentences, dropping attribution lines (`-- Author`). */
export function entrySentences(entry: string): string[] {
  const lines = entry.split('\n').filter((l) => !/^\s*--/.test(l) && !/^\s*\S+:\s/.test(l) && l.trim() !== '');
  const text = lines.join(' ').replace(/\s+/g, ' ').trim();
  if (text === '') return [];
  return text.split(/(?<=[.!?])\s+(?=[A-Z])/);
}

/** Whether a sentence is kept: plain ASCII prose of minWords..maxWords words, no shouting, nothing on the blocklist. */
export function keepSentence(sentence: string, filter: SentenceFilter): boolean {
  if (!PLAIN.test(sentence)) return false;
  if (/--|\.\.|[A-Z]{2,}|'[^a-z]|[^a-z]'/.test(sentence)) return false;
  if (BLOCKLIST.test(sentence)) return false;
  const words = sentence.split(' ').filter((w) => /[A-Za-z]/.test(w)).length;
  return words >= filter.minWords && words <= filter.maxWords;
}

/** Kept sentences from fortune file contents, deduplicated, in file order. */
export function sentencesFromFortunes(contents: readonly string[], filter: SentenceFilter): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const content of contents) {
    for (const entry of content.split(/^%$/m)) {
      for (const s of entrySentences(entry)) {
        if (seen.has(s) || !keepSentence(s, filter)) continue;
        seen.add(s);
        out.push(s);
      }
    }
  }
  return out;
}

/** Reads the fortune files under `dir` and returns the sentence pool. Throws, naming the package, if none exist. */
export async function loadSentencePool(dir: string, filter: SentenceFilter): Promise<string[]> {
  const contents: string[] = [];
  for (const name of FORTUNE_FILES) {
    try {
      contents.push(await readFile(join(dir, name), 'latin1'));
    } catch (_e) {
      // A missing file only shrinks the pool.
    }
  }
  if (contents.length === 0) {
    throw new Error(
      `no fortune files in ${dir}: install the Debian package 'fortunes' (apt-get install -y fortunes) for sentences`,
    );
  }
  return sentencesFromFortunes(contents, filter);
}
