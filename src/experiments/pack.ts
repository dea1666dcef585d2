/**
 * `gim pack`: a trained encoder as one file, model.gim.tgz — config.json, checkpoints/step-N.safetensors holding only
 * the `model.*` tensors of the run's newest loadable checkpoint (no optimizer state), the run's eval-*.json, and a
 * model card (MODEL.md, model.json). `--from` unpacks such a file into a temporary folder (every entry checked
 * first: plain files and folders only, relative paths without `..`, sizes bounded) and reads it like a run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { create, extract, list, type ReadEntry } from 'tar';
import { listCheckpoints, runDir, stepFile } from '../gim/run-dir.js';
import { loadCheckpointSync, saveCheckpointSync, type Checkpoint, type Tensor } from '../tensor/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/fs.js';
import type { EvalResults } from './eval-results.js';
import { readRunConfig } from './run-eval.js';

/** What model.json says of the format, so a reader can tell a pack from any other archive. */
export const PACK_FORMAT = 'greedy-infomax-model/1';
/** Entries a pack may hold, and the size of any one (bytes): far above what a pack writes, far below a zip bomb. */
const MAX_ENTRIES = 256;
const MAX_ENTRY_BYTES = 4 * 1024 ** 3;
const EVAL_FILE = /^eval-[a-z]+\.json$/;

/** A folder read like a run: the run itself, or a pack unpacked to a temporary folder (removed by close). */
export interface ModelSource {
  dir: string;
  /** What messages call it: the run folder or the pack file. */
  name: string;
  close(): void;
}

/** openModelSource({run} | {from}): the run folder as is, or the pack unpacked to a temporary folder. */
export async function openModelSource(args: { run?: string; from?: string }): Promise<ModelSource> {
  if (args.from === undefined) return { dir: args.run!, name: args.run!, close: () => undefined };
  const dir = await unpackModel(args.from);
  return { dir, name: args.from, close: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Why an archive entry is refused, or null when it is a plain file or folder at a safe relative path. */
function entryProblem(entry: ReadEntry): string | null {
  const name = entry.path;
  if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'Directory') {
    return `entry '${name}' is a ${entry.type}, not a file or folder`;
  }
  if (name === '' || path.posix.isAbsolute(name) || path.win32.isAbsolute(name) || name.includes('\\')) {
    return `entry '${name}' has an absolute or non-portable path`;
  }
  if (name.split('/').includes('..')) return `entry '${name}' reaches outside the archive ('..')`;
  if (entry.size > MAX_ENTRY_BYTES) return `entry '${name}' is ${entry.size} bytes (at most ${MAX_ENTRY_BYTES})`;
  return null;
}

/** unpackModel(file): check every entry of the pack, then extract it into a new temporary folder; returns it. */
export async function unpackModel(file: string): Promise<string> {
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new Error(`${file}: no such packed model`);
  const problems: string[] = [];
  let entries = 0;
  try {
    await list({
      file,
      strict: true,
      onReadEntry: (entry) => {
        entries++;
        const problem = entryProblem(entry);
        if (problem !== null) problems.push(problem);
      },
    });
  } catch (err) {
    throw new Error(`${file}: not a readable .tgz archive: ${(err as Error).message}`, { cause: err });
  }
  if (entries > MAX_ENTRIES) problems.push(`${entries} entries (at most ${MAX_ENTRIES})`);
  if (entries === 0) problems.push('the archive is empty');
  if (problems.length > 0) throw new Error(`${file}: refused, not a packed model: ${problems.join('; ')}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-model-'));
  try {
    await extract({ file, cwd: dir, strict: true, preservePaths: false });
    if (!fs.existsSync(path.join(dir, 'model.json'))) throw new Error('no model.json (not made by gim pack)');
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  return dir;
}

/** The newest checkpoint of the run that loads. */
function newestLoadable(run: string): { checkpoint: Checkpoint; file: string } {
  const found = listCheckpoints(runDir(run)).reverse();
  const problems: string[] = [];
  for (const { file } of found) {
    try {
      return { checkpoint: loadCheckpointSync(file), file };
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  throw new Error(
    found.length === 0
      ? `${run}: no checkpoint to pack (train first)`
      : `${run}: no checkpoint loads:\n${problems.join('\n')}`,
  );
}

/** The run's probe accuracies (eval-<probe>.json), by probe. */
function readEvaluations(run: string): Record<string, EvalResults> {
  const out: Record<string, EvalResults> = {};
  for (const name of fs
    .readdirSync(run)
    .filter((f) => EVAL_FILE.test(f))
    .sort()) {
    const results = JSON.parse(fs.readFileSync(path.join(run, name), 'utf8')) as EvalResults;
    out[results.probe] = results;
  }
  return out;
}

/** What model.json holds. */
export interface ModelCard {
  format: typeof PACK_FORMAT;
  name: string;
  experiment: 'audio' | 'vision';
  /** The data set: vision's data.dataset; audio: speech in the LibriSpeech layout (the root says which corpus). */
  dataset: string;
  dataRoot: string;
  objective: string;
  step: number;
  /** Examples per training step (images, or audio windows). */
  batchSize: number;
  probes: Record<string, EvalResults>;
  packageVersion: string;
}

/** MODEL.md: the card as prose and a table of probe accuracies. */
function modelMarkdown(card: ModelCard): string {
  const lines = [
    `# ${card.name}`,
    '',
    `${card.experiment === 'audio' ? 'An' : 'A'} ${card.experiment} encoder trained with greedy-infomax ${card.packageVersion} (objective: ${card.objective}),`,
    `${card.step} steps of ${card.batchSize} ${card.experiment === 'vision' ? 'images' : 'windows'} on ${card.dataset}`,
    `(data root \`${card.dataRoot}\`). Weights only (no optimizer state);`,
    'use it with `gim embed --from <this file>` or `loadEncoder({ from })`.',
    '',
    '## Linear probe test accuracy',
    '',
  ];
  const probes = Object.values(card.probes);
  if (probes.length === 0) lines.push('Not evaluated (run `gim eval` on the run before packing).');
  for (const results of probes) {
    lines.push(`| ${results.probe} probe | accuracy | checkpoint step |`, '|---|---|---|');
    for (const [module, accuracy] of Object.entries(results.accuracy)) {
      lines.push(`| ${module} | ${(accuracy * 100).toFixed(1)} % | ${results.step[module] ?? '?'} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

export interface PackRunArgs {
  run: string;
  out: string;
  /** Replace an existing file at out. */
  overwrite?: boolean;
  packageVersion: string;
}

/** packRun(args): write the run's encoder as a .tgz at args.out (atomically); returns the model card. */
export async function packRun(args: PackRunArgs): Promise<ModelCard> {
  const { run, out } = args;
  if (fs.existsSync(out) && args.overwrite !== true) throw new Error(`${out}: exists (pass --overwrite to replace it)`);
  const runConfig = readRunConfig(run);
  const { checkpoint } = newestLoadable(run);
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-pack-'));
  try {
    const weights = new Map<string, Tensor>([...checkpoint.tensors].filter(([key]) => /^module\d+\.model\./.test(key)));
    const relativeCheckpoint = path.relative(stage, stepFile(path.join(stage, 'checkpoints'), checkpoint.step));
    saveCheckpointSync(path.join(stage, relativeCheckpoint), {
      tensors: weights,
      metadata: { config: checkpoint.config, step: checkpoint.step },
    });
    const card: ModelCard = {
      format: PACK_FORMAT,
      name: runConfig.config.name,
      experiment: runConfig.experiment,
      dataset: runConfig.experiment === 'vision' ? runConfig.config.data.dataset : 'speech in the LibriSpeech layout',
      dataRoot: runConfig.config.data.root,
      objective: runConfig.config.train.objective,
      step: checkpoint.step,
      batchSize: runConfig.config.train.batchSize,
      probes: readEvaluations(run),
      packageVersion: args.packageVersion,
    };
    writeJsonAtomic(path.join(stage, 'config.json'), checkpoint.config);
    writeJsonAtomic(path.join(stage, 'model.json'), card);
    writeFileAtomic(path.join(stage, 'MODEL.md'), modelMarkdown(card));
    const evalFiles = Object.keys(card.probes).map((probe) => `eval-${probe}.json`);
    for (const name of evalFiles) fs.copyFileSync(path.join(run, name), path.join(stage, name));
    const entries = ['model.json', 'MODEL.md', 'config.json', ...evalFiles, relativeCheckpoint];
    const chunks: Buffer[] = [];
    const stream = create({ gzip: true, cwd: stage, portable: true, noMtime: true }, entries);
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    writeFileAtomic(out, Buffer.concat(chunks));
    return card;
  } finally {
    for (const t of checkpoint.tensors.values()) t.dispose();
    fs.rmSync(stage, { recursive: true, force: true });
  }
}
