/**
 * Test helper: small fake copies of the two Debian packages `gim data real-speech` reads, written with sox (tones of
 * distinct pitch, so every recording has its own bytes): a tuxpaint `stamps/` tree with NAME.txt texts and a ktuberling
 * `sounds/` folder with soundthemes, a duplicated language folder, an Opus file and an 8 kHz WAV.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The voices of the fake tree and their clip counts (after duplicates and the Opus file are removed). */
export const FAKE_VOICES = {
  'tuxpaint-de': 4,
  'tuxpaint-fr': 5,
  'tuxpaint-it': 1,
  'ktuberling-ca': 4,
  'ktuberling-sr': 3,
} as const;
/** Recordings in the fake tree that are byte copies of another (the sr@latin folder). */
export const FAKE_DUPLICATES = 3;

const STAMPS = ['cat', 'dog', 'frog', 'owl', 'bee'];
const WORDS = ['ball', 'bow', 'hat', 'eye'];

let pitch = 300;
/** A short Ogg Vorbis (or other, by extension) tone at a pitch no other fake recording has. */
function tone(path: string, rate = 44100, channels = 2): void {
  pitch += 37;
  execFileSync('sox', [
    '-R',
    '-n',
    '-r',
    String(rate),
    '-c',
    String(channels),
    path,
    'synth',
    '0.3',
    'sine',
    String(pitch),
  ]);
}

export interface FakeVoicePackages {
  tuxpaint: string;
  ktuberling: string;
}

/** Write the fake package folders under `dir`. */
export function writeFakeVoicePackages(dir: string): FakeVoicePackages {
  const tuxpaint = join(dir, 'tuxpaint');
  const animals = join(tuxpaint, 'stamps', 'animals');
  mkdirSync(animals, { recursive: true });
  STAMPS.forEach((name, i) => {
    const upper = name.toUpperCase();
    writeFileSync(join(animals, `${name}.txt`), `A ${name}.\nde.utf8=Ein ${upper}.\nfr.utf8=Un ${name}.\n`);
    tone(join(animals, `${name}_desc_fr.ogg`));
    if (i < FAKE_VOICES['tuxpaint-de']) tone(join(animals, `${name}_desc_de.ogg`));
    tone(join(animals, `${name}.ogg`)); // a sound effect, not a description: not read
  });
  tone(join(animals, 'cat_desc_it.ogg'));

  const ktuberling = join(dir, 'sounds');
  const theme = (code: string, files: string[]): string =>
    `<language code="${code}">\n${files.map((f, i) => `  <sound name="${WORDS[i]!}" file="${code}/${f}" />`).join('\n')}\n</language>\n`;
  mkdirSync(join(ktuberling, 'ca'), { recursive: true });
  const ca = WORDS.map((w, i) => (i === 0 ? `${w}.wav` : `${w}.ogg`));
  ca.forEach((f, i) => tone(join(ktuberling, 'ca', f), i === 0 ? 8000 : 22050, 1));
  writeFileSync(join(ktuberling, 'ca.soundtheme'), theme('ca', ca));
  const sr = WORDS.slice(0, FAKE_VOICES['ktuberling-sr']).map((w) => `${w}.ogg`);
  for (const folder of ['sr', 'sr@latin']) mkdirSync(join(ktuberling, folder), { recursive: true });
  for (const f of sr) {
    tone(join(ktuberling, 'sr', f), 44100, 1);
    copyFileSync(join(ktuberling, 'sr', f), join(ktuberling, 'sr@latin', f));
  }
  writeFileSync(join(ktuberling, 'sr.soundtheme'), theme('sr', sr));
  mkdirSync(join(ktuberling, 'nn'), { recursive: true });
  // An Ogg Opus stream's first page (sox cannot read Opus): the builder must skip it by its header.
  writeFileSync(
    join(ktuberling, 'nn', 'ball.opus'),
    Buffer.concat([Buffer.from('OggS\0\x02'), Buffer.alloc(22), Buffer.from('OpusHead\x01\x01')]),
  );
  return { tuxpaint, ktuberling };
}

/** A file that claims to be Ogg Vorbis but is not decodable. */
export function writeCorruptClip(path: string): void {
  writeFileSync(
    path,
    Buffer.concat([Buffer.from('OggS\0\x02'), Buffer.alloc(22), Buffer.from('\x01vorbis'), Buffer.alloc(64, 7)]),
  );
}
