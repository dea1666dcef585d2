/**
 * The 41-class phone set used for frame labels of the synthetic speech corpus.
 *
 * flite's English voices (kal16, awb, rms, slt) label phones with the 39 ARPAbet phones of CMUdict (stress removed),
 * plus `ax` (schwa) and `pau` (silence): 41 labels, the same count as the 41 classes of the CPC/GIM phone task on
 * LibriSpeech. The class ids below are fixed and are what `converted_aligned_phones.txt` holds for synthetic corpora:
 *
 *   0 pau   1 aa    2 ae    3 ah    4 ao    5 aw    6 ax    7 ay    8 b     9 ch
 *  10 d    11 dh   12 eh   13 er   14 ey   15 f    16 g    17 hh   18 ih   19 iy
 *  20 jh   21 k    22 l    23 m    24 n    25 ng   26 ow   27 oy   28 p    29 r
 *  30 s    31 sh   32 t    33 th   34 uh   35 uw   36 v    37 w    38 y    39 z
 *  40 zh
 *
 * Class 0 is silence (`pau`); classes 1..40 are the other phones in alphabetical order (the list `PHONES` is the
 * authority). The class ids of real LibriSpeech alignments (CPC's `converted_aligned_phones.txt`) follow their own,
 * unpublished order: compare methods on one corpus, never class ids across corpora.
 */

/** Phone names in class-id order: `PHONES[id]` is the phone of class `id`. */
export const PHONES = [
  'pau',
  'aa',
  'ae',
  'ah',
  'ao',
  'aw',
  'ax',
  'ay',
  'b',
  'ch',
  'd',
  'dh',
  'eh',
  'er',
  'ey',
  'f',
  'g',
  'hh',
  'ih',
  'iy',
  'jh',
  'k',
  'l',
  'm',
  'n',
  'ng',
  'ow',
  'oy',
  'p',
  'r',
  's',
  'sh',
  't',
  'th',
  'uh',
  'uw',
  'v',
  'w',
  'y',
  'z',
  'zh',
] as const;

export type Phone = (typeof PHONES)[number];

/** Class id of silence (`pau`). */
export const SILENCE_CLASS = 0;

/** Other silence spellings some flite builds and lexicons emit; all map to the silence class. */
const SILENCE_ALIASES = ['sil', 'ssil', 'h#', 'sp'];

const CLASS_OF = new Map<string, number>([
  ...PHONES.map((p, i): [string, number] => [p, i]),
  ...SILENCE_ALIASES.map((p): [string, number] => [p, SILENCE_CLASS]),
]);

/**
 * Class id (0..40) of a flite phone name. Stress digits (`ah0`, `ey1`) and case are ignored.
 * Throws on a phone outside the set, naming it.
 */
export function phoneClass(phone: string): number {
  const name = phone.toLowerCase().replace(/[0-2]$/, '');
  const id = CLASS_OF.get(name);
  if (id === undefined)
    throw new Error(`unknown phone '${phone}': not one of the 41 flite phones (${PHONES.join(' ')})`);
  return id;
}
