/**
 * Opening a run folder without losing work. A run folder holds one run: config.json, metrics.jsonl, checkpoints/
 * (step-XXXXXXX.safetensors, or module<m>/step-XXXXXXX.safetensors in async mode), and what gim wrote beside them
 * (cache/, eval-*.json).
 *
 * - A folder that is not empty is refused unless the run is resumed, or `overwrite` asks to replace it (which clears
 *   only the run's own files above). Resuming a missing or checkpoint-less folder is an error.
 * - Temporary files left by a save that was killed (`*.tmp-*`, `*.tmp`) are removed at start.
 * - Resume falls back past a checkpoint that cannot be loaded (truncated, empty, non-finite) to the newest intact one;
 *   the bad file is renamed `*.unusable` and the fallback is reported.
 * - The requested config is compared with the checkpoint's before anything is written; only resumable keys may differ.
 * - metrics.jsonl is cut back to the resumed step, so steps trained again are not logged twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeRecord, type MetricRecord } from '../report/metrics.js';
import { loadCheckpointSync, type Checkpoint } from '../tensor/index.js';
import { makeDirectory, writeFileAtomic } from '../util/fs.js';

export interface OpenRunFolderArgs {
  root: string;
  resume: boolean;
  /** Replace an existing run: its config.json, metrics.jsonl, checkpoints/, cache/ and eval-*.json are deleted. */
  overwrite?: boolean;
  log?: (line: string) => void;
}

/** What a run writes into its folder (and `overwrite` deletes). */
const RUN_FILES = ['config.json', 'metrics.jsonl', 'checkpoints', 'cache'];
const RUN_FILE_PATTERN = /^eval-[\w-]+\.json$/;
const STEP_FILE = /^step-(\d+)\.safetensors$/;
/** Temporary files of atomic writes: writeFileAtomic's `<file>.<pid>.<hex>.tmp`, and `<file>.tmp-<pid>-<hex>` of older runs. */
const TEMPORARY_FILE = /\.tmp-\d+-[0-9a-f]+$|\.\d+\.[0-9a-f]+\.tmp$/;

const stderrLog = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * checkRunFolder(args): the checks of {@link openRunFolder}, touching nothing, so a command can refuse a run folder
 * before it opens data or builds anything. Returns the folder's entries (none when it is absent).
 */
export function checkRunFolder(args: OpenRunFolderArgs): string[] {
  if (args.root === '') throw new Error('run folder: the folder path is empty');
  if (args.resume && args.overwrite === true)
    throw new Error(`${args.root}: --resume and --overwrite contradict each other (continue the run, or replace it)`);
  if (fs.existsSync(args.root) && !fs.statSync(args.root).isDirectory())
    throw new Error(`${args.root}: the run folder is a file, not a folder`);
  const entries = fs.existsSync(args.root) ? fs.readdirSync(args.root) : [];
  if (entries.length === 0 && args.resume)
    throw new Error(
      `--resume: ${args.root} ${fs.existsSync(args.root) ? 'is empty' : 'does not exist'}: there is no run to resume (start without --resume)`,
    );
  if (entries.length > 0 && !args.resume && args.overwrite !== true) {
    throw new Error(
      `${args.root} is not empty (${entries.slice(0, 4).join(', ')}${entries.length > 4 ? ', …' : ''}): ` +
        `pass --resume to continue the run there, or --overwrite to replace it`,
    );
  }
  return entries;
}

/** openRunFolder(args): check and prepare a run folder (see the file comment); creates it when absent. */
export function openRunFolder(args: OpenRunFolderArgs): void {
  const log = args.log ?? stderrLog;
  const entries = checkRunFolder(args);
  if (entries.length === 0) {
    makeDirectory(args.root, 'run folder');
    return;
  }
  if (args.overwrite === true) {
    const removed = entries.filter((e) => RUN_FILES.includes(e) || RUN_FILE_PATTERN.test(e));
    for (const e of removed) fs.rmSync(path.join(args.root, e), { recursive: true, force: true });
    log(`--overwrite: removed ${removed.length === 0 ? 'nothing' : removed.join(', ')} from ${args.root}`);
  }
  const stale = removeTemporaryFiles(args.root);
  if (stale.length > 0) log(`removed ${stale.length} temporary file(s) of an interrupted save: ${stale.join(', ')}`);
}

/** removeTemporaryFiles(root): delete the temporary files of unfinished atomic writes in root and checkpoints/. */
export function removeTemporaryFiles(root: string): string[] {
  const removed: string[] = [];
  const visit = (dir: string, depth: number): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth > 0) visit(p, depth - 1);
      else if (e.isFile() && TEMPORARY_FILE.test(e.name)) {
        fs.rmSync(p, { force: true });
        removed.push(p);
      }
    }
  };
  visit(root, 0);
  visit(path.join(root, 'checkpoints'), 1); // checkpoints/ and checkpoints/module<m>/
  return removed;
}

/** A checkpoint found to resume from: its file and the loaded checkpoint (the caller disposes its tensors). */
export interface ResumePoint {
  file: string;
  checkpoint: Checkpoint;
}

/**
 * newestIntactCheckpoint(dir, log): load the newest step-*.safetensors in `dir` that loads; each newer one that does
 * not is renamed `<file>.unusable` (and reported). Null when none is intact.
 */
export function newestIntactCheckpoint(dir: string, log: (line: string) => void = stderrLog): ResumePoint | null {
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .flatMap((f) => {
          const m = STEP_FILE.exec(f);
          return m === null ? [] : [{ step: Number(m[1]), file: path.join(dir, f) }];
        })
        .sort((x, y) => y.step - x.step)
    : [];
  for (const { file } of files) {
    try {
      return { file, checkpoint: loadCheckpointSync(file) };
    } catch (e) {
      if (systemErrorCode(e) !== null) throw e; // could not read it (permissions, descriptors): not a bad checkpoint
      const unusable = unusedName(`${file}.unusable`);
      fs.renameSync(file, unusable);
      log(`${(e as Error).message}\n  → renamed to ${path.basename(unusable)}; falling back to an older checkpoint`);
    }
  }
  return null;
}

/** unusedName(file): `file`, or `file.1`, `file.2`, … — the first that does not exist (an earlier bad file stays). */
function unusedName(file: string): string {
  let name = file;
  for (let copy = 1; fs.existsSync(name); copy++) name = `${file}.${copy}`;
  return name;
}

/** The errno code (EACCES, EMFILE, …) of an error or of an error it was caused by, or null. */
function systemErrorCode(e: unknown): string | null {
  for (let cur: unknown = e; cur instanceof Error; cur = cur.cause) {
    const code = (cur as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E')) return code;
  }
  return null;
}

/** disposeCheckpoint(c): free a loaded checkpoint's tensors. */
export function disposeCheckpoint(c: Checkpoint): void {
  for (const t of c.tensors.values()) t.dispose();
}

/** configDifferences(stored, requested): the dotted keys whose values differ (arrays compared whole). */
export function configDifferences(stored: unknown, requested: unknown, keyPath = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(stored) || !isObject(requested))
    return JSON.stringify(stored) === JSON.stringify(requested) ? [] : [keyPath || '(config)'];
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(requested)])].sort();
  return keys.flatMap((k) => configDifferences(stored[k], requested[k], keyPath === '' ? k : `${keyPath}.${k}`));
}

export interface ResumeConfigArgs {
  /** The checkpoint the config was read from (named in the error). */
  file: string;
  stored: unknown;
  requested: unknown;
  /** Keys (or key prefixes: 'probe' covers probe.*) that may change when a run is resumed. */
  resumable: readonly string[];
}

/**
 * checkResumeConfig(args): throws, naming the checkpoint and the keys, when the requested config differs from the
 * stored one in a key that is not resumable; returns the resumable keys that differ (to report).
 */
export function checkResumeConfig(args: ResumeConfigArgs): string[] {
  // A key absent from the stored config was added since the run was written: it takes its (requested) value.
  const differing = configDifferences(args.stored, args.requested).filter((k) => valueAt(args.stored, k) !== 'absent');
  const allowed = (k: string): boolean => args.resumable.some((r) => k === r || k.startsWith(`${r}.`));
  const refused = differing.filter((k) => !allowed(k));
  if (refused.length > 0) {
    const show = (k: string): string => `${k} (${valueAt(args.stored, k)} → ${valueAt(args.requested, k)})`;
    throw new Error(
      `--resume: the requested config differs from the one stored in ${args.file} in ${refused.map(show).join(', ')}; ` +
        `a resumed run may change only ${args.resumable.join(', ')} (train a new run for the others)`,
    );
  }
  return differing;
}

function valueAt(config: unknown, key: string): string {
  let node: unknown = config;
  for (const k of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[k];
  return node === undefined ? 'absent' : JSON.stringify(node);
}

/** truncateMetrics(file, keep): rewrite metrics.jsonl with only the records `keep` accepts (a cut last line dropped). */
export function truncateMetrics(file: string, keep: (r: MetricRecord) => boolean): number {
  if (!fs.existsSync(file)) return 0;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  let dropped = 0;
  const kept = lines.filter((line) => {
    if (line.trim() === '') return false;
    let record: MetricRecord;
    try {
      record = decodeRecord(line);
    } catch {
      dropped++;
      return false;
    }
    if (keep(record)) return true;
    dropped++;
    return false;
  });
  if (dropped > 0) writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
  return dropped;
}
