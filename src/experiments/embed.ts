/**
 * `gim embed`: the features of one module of a trained encoder (a run, or a packed model) for every input file — one
 * row per file (per image of an IDX file) with its path — written to .safetensors, .npy or .jsonl (features-out.ts).
 * A file that cannot be read stops the command with an error naming it, or with skipBad is counted and skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isEmbeddable } from './encoder-inputs.js';
import { loadEncoder, type Pool } from './encoder.js';
import { checkOutputFree, featureFormatOf, writeFeatures, type FeatureRow } from './features-out.js';
import { setNumThreads } from '../tensor/index.js';

const GLOB_CHARS = /[*?[]/;

/** A glob pattern as a regular expression over '/'-separated paths: `**` any folders, `*` and `?` within a name. */
function globPattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Every file under `dir`, recursively, sorted. */
function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? walk(full) : entry.isFile() ? [full] : [];
    });
}

/**
 * listInputs(inputs): files as given; folders as the audio, PNG, JPEG and IDX files under them (recursively, sorted);
 * glob patterns (`*`, `?`, `**`, `[…]`) as the files they match. An input that names nothing is an error.
 */
export function listInputs(inputs: readonly string[]): string[] {
  if (inputs.length === 0) throw new Error('--input: give at least one file, folder or glob');
  const files: string[] = [];
  for (const input of inputs) {
    const stat = fs.statSync(input, { throwIfNoEntry: false });
    if (stat?.isFile()) files.push(input);
    else if (stat?.isDirectory()) files.push(...walk(input).filter(isEmbeddable));
    else if (GLOB_CHARS.test(input)) {
      const parts = input.split('/');
      const fixed = parts.findIndex((part) => GLOB_CHARS.test(part));
      const base = parts.slice(0, fixed).join('/') || (input.startsWith('/') ? '/' : '.');
      const pattern = globPattern(input.startsWith('./') ? input.slice(2) : input);
      const matched = fs.existsSync(base)
        ? walk(base).filter((file) => pattern.test(base === '.' ? path.relative('.', file) : file))
        : [];
      if (matched.length === 0) throw new Error(`--input ${input}: no file matches`);
      files.push(...matched);
    } else throw new Error(`--input ${input}: no such file or folder`);
  }
  if (files.length === 0) throw new Error(`--input ${inputs.join(' ')}: no audio, PNG, JPEG or IDX files`);
  return [...new Set(files)];
}

export interface EmbedFilesArgs {
  run?: string;
  from?: string;
  /** 1-based module (default: the last). */
  module?: number;
  inputs: readonly string[];
  out: string;
  pool: Pool;
  skipBad: boolean;
  overwrite: boolean;
  /** Called as each file's windows (or images) go through the encoder. */
  onProgress?: (file: string, index: number, files: number, done: number, total: number) => void;
  /** Where skipped files and checkpoint notes go (default stderr). */
  log?: (line: string) => void;
}

export interface EmbedSummary {
  rows: number;
  files: number;
  skipped: number;
  written: string[];
  /** The shape of one row (the first). */
  rowShape: readonly number[];
}

/** embedFiles(args): embed every input with the encoder, write args.out; returns what was done. */
export async function embedFiles(args: EmbedFilesArgs): Promise<EmbedSummary> {
  const log = args.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  featureFormatOf(args.out);
  checkOutputFree(args.out, args.overwrite);
  const files = listInputs(args.inputs);
  const encoder = await loadEncoder(
    {
      ...(args.run === undefined ? {} : { run: args.run }),
      ...(args.from === undefined ? {} : { from: args.from }),
      ...(args.module === undefined ? {} : { module: args.module }),
    },
    log,
  );
  setNumThreads(encoder.config.threads); // as the run trained (libtorch's own default here is 1)
  const rows: FeatureRow[] = [];
  let skipped = 0;
  try {
    for (const [index, file] of files.entries()) {
      try {
        const embedded = await encoder.embedFile(file, {
          pool: args.pool,
          onProgress: (done, total) => args.onProgress?.(file, index, files.length, done, total),
        });
        for (const row of embedded) {
          rows.push({ path: row.path, values: row.features.data() as Float32Array, shape: row.features.shape });
          row.features.dispose();
        }
      } catch (err) {
        const message = (err as Error).message;
        const named = message.includes(file) ? message : `${file}: ${message}`;
        if (!args.skipBad) throw new Error(named, { cause: err });
        skipped++;
        log(`skipped ${named}`);
      }
    }
    if (rows.length === 0) throw new Error(`no input could be embedded (${skipped} skipped)`);
    const written = writeFeatures({
      out: args.out,
      rows,
      overwrite: args.overwrite,
      metadata: {
        experiment: encoder.experiment,
        module: String(encoder.module),
        step: String(encoder.step),
        pool: args.pool,
        model: args.from ?? args.run ?? '',
      },
    });
    if (skipped > 0) log(`${skipped} of ${files.length} files skipped (unreadable)`);
    return { rows: rows.length, files: files.length, skipped, written, rowShape: rows[0]!.shape };
  } finally {
    encoder.dispose();
  }
}
