/**
 * The command-line tools behind the synthetic speech corpus (flite, sox, flac): finding and running them.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { readFlacStreamInfo } from './flac.js';
import { parsePsdur, SAMPLE_RATE, type PhoneTiming } from './synth-labels.js';

/** Each tool and the Debian package that provides it. */
export const TOOL_PACKAGES = { flite: 'flite', sox: 'sox', flac: 'flac' } as const;
export type Tool = keyof typeof TOOL_PACKAGES;

/** Full path of an executable on PATH, or undefined. */
export async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch (_e) {
      // not here
    }
  }
  return undefined;
}

/** The tools that are not on PATH. */
export async function missingTools(tools: readonly Tool[] = ['flite', 'sox', 'flac']): Promise<Tool[]> {
  const found = await Promise.all(tools.map((t) => findOnPath(t)));
  return tools.filter((_t, i) => found[i] === undefined);
}

/** Throws, naming the Debian packages to install, unless flite, sox and flac are all on PATH. */
export async function requireTools(): Promise<void> {
  const missing = await missingTools();
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((t) => TOOL_PACKAGES[t]))];
  throw new Error(
    `speech synthesis needs ${missing.join(', ')}, not found on PATH: install the Debian ` +
      `package${packages.length > 1 ? 's' : ''} with 'apt-get install -y ${packages.join(' ')}' ` +
      `(in a checkout: bash scripts/setup.sh)`,
  );
}

/** Runs a command without a shell; resolves with its stdout, rejects with the command line and its stderr. */
export function runTool(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const line = [cmd, ...args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a))].join(' ');
        reject(new Error(`${line} failed: ${err.message.split('\n')[0]}${stderr ? `\n${stderr.trim()}` : ''}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

/** flite's version line (`flite --version` exits 1 after printing it), or '' if it prints none. */
export function fliteVersion(): Promise<string> {
  return new Promise((resolve) => {
    execFile('flite', ['--version'], { encoding: 'utf8' }, (_err, stdout) => {
      resolve(/version:\s*(.*)/.exec(stdout)?.[1]?.trim() ?? '');
    });
  });
}

/** One synthetic voice: a flite voice, a pitch shift and a speaking rate. */
export interface VoiceSpec {
  voice: string;
  /** Pitch shift in cents (sox `pitch`), timing unchanged. */
  pitchCents: number;
  /** flite duration_stretch: > 1 is slower. */
  durationStretch: number;
}

export interface SynthesizedUtterance {
  timings: PhoneTiming[];
  numSamples: number;
}

/**
 * Speaks `text` in `spec` into a 16 kHz mono 16-bit FLAC file at `flacPath`: flite (phone timings from -psdur), sox
 * pitch shift (which keeps timing), flac. `tmpStem` is a path prefix for intermediate WAV files, removed after.
 */
export async function synthesizeUtterance(
  text: string,
  spec: VoiceSpec,
  flacPath: string,
  tmpStem: string,
): Promise<SynthesizedUtterance> {
  const raw = `${tmpStem}.flite.wav`;
  const shifted = `${tmpStem}.sox.wav`;
  try {
    const psdur = await runTool('flite', [
      '-voice',
      spec.voice,
      '--setf',
      `duration_stretch=${spec.durationStretch}`,
      '-psdur',
      '-t',
      text,
      '-o',
      raw,
    ]);
    const timings = parsePsdur(psdur);
    if (timings.length === 0) throw new Error(`flite printed no phone timings for '${text}'`);
    // -R: repeatable (fixed dither seed); the output is always 16 kHz mono 16-bit whatever flite wrote.
    const soxArgs = ['-R', '-V1', raw, '-b', '16', '-c', '1', '-r', String(SAMPLE_RATE), shifted];
    if (spec.pitchCents !== 0) soxArgs.push('pitch', String(spec.pitchCents));
    await runTool('sox', soxArgs);
    await runTool('flac', ['-s', '-f', '--no-padding', '-o', flacPath, shifted]);
    const info = await readFlacStreamInfo(flacPath);
    if (info.sampleRate !== SAMPLE_RATE || info.channels !== 1 || info.bitsPerSample !== 16) {
      throw new Error(`${flacPath}: expected 16 kHz mono 16-bit, got ${JSON.stringify(info)}`);
    }
    return { timings, numSamples: info.totalSamples };
  } finally {
    await rm(raw, { force: true });
    await rm(shifted, { force: true });
  }
}
