/**
 * Where the real recorded voices come from: two Debian packages, found with `dpkg -L` (or given as folders).
 *
 * - `tuxpaint-stamps-default`: `<root>/stamps/**∕NAME_desc_LL.ogg` (44.1 kHz stereo Ogg Vorbis), one spoken stamp
 *   description per file; `NAME_desc.ogg` is the untagged (English) description. The text is the `LL.utf8=` line of
 *   the stamp's `NAME.txt` (its first line for English).
 * - `ktuberling-data`: `<root>/LL/*` (Ogg Vorbis, WAV, Opus at mixed rates), one word per file; `<root>/LL.soundtheme`
 *   (XML) maps each file to the word's name.
 *
 * A voice is (source, language folder): each language was recorded by one speaker, so voice and language coincide.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';

import { DataFileError, describeFsError } from './errors.js';

export const REAL_SPEECH_SOURCES = ['tuxpaint', 'ktuberling'] as const;
export type RealSpeechSource = (typeof REAL_SPEECH_SOURCES)[number];

/** Each source's Debian package, the folder inside it that the scanner reads, and where Debian puts it. */
export const SOURCE_PACKAGES: Record<RealSpeechSource, { package: string; marker: string; fallback: string }> = {
  tuxpaint: { package: 'tuxpaint-stamps-default', marker: '/stamps/', fallback: '/usr/share/tuxpaint' },
  ktuberling: { package: 'ktuberling-data', marker: '/sounds/', fallback: '/usr/share/ktuberling/sounds' },
};

/** One recorded clip found in a source. */
export interface SourceClip {
  source: RealSpeechSource;
  package: string;
  /** Absolute path of the recording. */
  file: string;
  /** Path relative to the source root (what the manifest records). */
  relFile: string;
  /** Language tag, e.g. `fr`, `pt_BR`, `sr@latin`: also the voice. */
  language: string;
  /** What is said (tuxpaint: the description; ktuberling: the word's name in the theme), or null when unknown. */
  text: string | null;
}

function dpkgList(pkg: string): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('dpkg', ['-L', pkg], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      resolve(err ? [] : stdout.split('\n').filter((l) => l !== ''));
    });
  });
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * The installed data folder of a source: from `dpkg -L <package>` (the folder before the marker, `stamps/` or
 * `sounds/` included for ktuberling), else the usual /usr/share path; undefined when neither exists.
 */
export async function findSourceRoot(source: RealSpeechSource): Promise<string | undefined> {
  const { package: pkg, marker, fallback } = SOURCE_PACKAGES[source];
  const hit = (await dpkgList(pkg)).find((line) => line.includes(marker));
  if (hit !== undefined) {
    const cut = hit.indexOf(marker);
    const root = source === 'tuxpaint' ? hit.slice(0, cut) : hit.slice(0, cut + marker.length - 1);
    if (await isDirectory(root)) return root;
  }
  return (await isDirectory(fallback)) ? fallback : undefined;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw new DataFileError(dir, `cannot list folder: ${describeFsError(err)}`, { cause: err });
  });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(path)));
    else if (e.isFile()) out.push(path);
  }
  return out;
}

const STAMP_DESC = /^(.+)_desc(?:_([A-Za-z]{2,3}(?:_[A-Za-z]{2})?(?:@[A-Za-z]+)?))?\.ogg$/;
/** The language of an untagged `NAME_desc.ogg`. */
export const UNTAGGED_STAMP_LANGUAGE = 'en';

/** The text of `language` in a stamp's NAME.txt: its `LL.utf8=` line (the first line for English), or null. */
export function stampText(txt: string, language: string): string | null {
  const lines = txt.split(/\r?\n/);
  if (language === UNTAGGED_STAMP_LANGUAGE) {
    const first = lines[0]?.trim() ?? '';
    return first === '' || first.includes('.utf8=') ? null : first;
  }
  const prefix = `${language}.utf8=`;
  const line = lines.find((l) => l.startsWith(prefix));
  const text = line?.slice(prefix.length).trim();
  return text === undefined || text === '' ? null : text;
}

/** Every spoken stamp description under `<root>/stamps`, in path order. */
export async function scanTuxpaint(root: string): Promise<SourceClip[]> {
  const stamps = join(root, 'stamps');
  if (!(await isDirectory(stamps))) {
    throw new DataFileError(root, 'no stamps/ folder (expected the tuxpaint-stamps-default data folder)');
  }
  const clips: SourceClip[] = [];
  const texts = new Map<string, string | null>();
  for (const file of await walk(stamps)) {
    const m = STAMP_DESC.exec(basename(file));
    if (!m) continue;
    const language = m[2] ?? UNTAGGED_STAMP_LANGUAGE;
    const txtPath = join(dirname(file), `${m[1]!}.txt`);
    if (!texts.has(txtPath)) texts.set(txtPath, await readFile(txtPath, 'utf8').catch(() => null));
    const txt = texts.get(txtPath);
    const pkg = SOURCE_PACKAGES.tuxpaint.package;
    const text = txt === null || txt === undefined ? null : stampText(txt, language);
    clips.push({ source: 'tuxpaint', package: pkg, file, relFile: relative(root, file), language, text });
  }
  return clips;
}

/** `file` → word name of a ktuberling `.soundtheme` (`<sound name="ball" file="de/ball.ogg" />`). */
export function parseSoundTheme(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  const attr = (tag: string, name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
  for (const m of xml.matchAll(/<sound\b[^>]*>/g)) {
    const name = attr(m[0], 'name');
    const file = attr(m[0], 'file');
    if (name !== undefined && file !== undefined) out.set(file, name);
  }
  return out;
}

/** Every recording in the language folders of a ktuberling sounds folder, in path order, with the theme's word. */
export async function scanKtuberling(root: string): Promise<SourceClip[]> {
  if (!(await isDirectory(root))) throw new DataFileError(root, 'not a folder (expected ktuberling sounds/)');
  const entries = (await readdir(root, { withFileTypes: true })).map((e) => e.name).sort();
  const words = new Map<string, string>();
  for (const name of entries.filter((n) => n.endsWith('.soundtheme'))) {
    for (const [file, word] of parseSoundTheme(await readFile(join(root, name), 'utf8'))) words.set(file, word);
  }
  const clips: SourceClip[] = [];
  for (const language of entries) {
    if (!(await isDirectory(join(root, language)))) continue;
    for (const file of await walk(join(root, language))) {
      const relFile = relative(root, file);
      const text = words.get(relFile.split(sep).join('/')) ?? null;
      const pkg = SOURCE_PACKAGES.ktuberling.package;
      clips.push({ source: 'ktuberling', package: pkg, file, relFile, language, text });
    }
  }
  if (clips.length === 0) throw new DataFileError(root, 'no language folders with recordings');
  return clips;
}

/** The clips of one source from its root. */
export function scanSource(source: RealSpeechSource, root: string): Promise<SourceClip[]> {
  return source === 'tuxpaint' ? scanTuxpaint(root) : scanKtuberling(root);
}
