/**
 * Probe results kept beside the runs of `reproduce vision` (runs/…/probes/<row>.json), so that a later call — after a
 * crash or Ctrl-C during the probes, or to add a row trained since — reuses every probe whose inputs have not changed
 * instead of spending minutes on it again. A result is reused only when its key matches exactly: the probe and data
 * settings, the seed, the layers probed and the identity of the checkpoint read (path, step, size, modification time).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../util/fs.js';
import type { LayerScores } from './linear-eval.js';

/** What one cache file holds. */
interface CachedProbe {
  key: string;
  scores: LayerScores[];
  /** How long the probe took when it ran. */
  seconds: number;
}

/** What a checkpoint's identity is made of (checkpointIdentity). */
export interface CheckpointIdentity {
  file: string;
  step: number;
  bytes: number;
  modifiedMs: number;
}

/** checkpointIdentity(file, step): the file's path, step, size and modification time. */
export function checkpointIdentity(file: string, step: number): CheckpointIdentity {
  const stat = fs.statSync(file);
  return { file: path.resolve(file), step, bytes: stat.size, modifiedMs: stat.mtimeMs };
}

export interface ProbeCacheArgs {
  /** Folder of the cache files (created when the first result is saved). */
  dir: string;
  /** What every probe of this call shares: probe and data settings, seed. */
  shared: unknown;
  log: (line: string) => void;
}

/** A probe cache for one `reproduce` call; `reused` sums the seconds the reused probes took when they ran. */
export class ProbeCache {
  reused = 0;
  reusedRows: string[] = [];
  constructor(private readonly args: ProbeCacheArgs) {}

  /**
   * scores(row, inputs, run): the cached scores of `row` when its key (shared settings + inputs) matches, else run()
   * and save its scores. A cache file that cannot be read is named in the log and replaced.
   */
  scores(row: string, inputs: unknown, run: () => LayerScores[]): LayerScores[] {
    const file = path.join(this.args.dir, `${row.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}.json`);
    const key = JSON.stringify({ shared: this.args.shared, inputs });
    const cached = this.read(file);
    if (cached !== null && cached.key === key) {
      this.args.log(`  ${row}: probe results reused from ${file}`);
      this.reused += cached.seconds;
      this.reusedRows.push(row);
      return cached.scores;
    }
    const started = performance.now();
    const scores = run();
    const entry: CachedProbe = { key, scores, seconds: (performance.now() - started) / 1000 };
    writeFileAtomic(file, `${JSON.stringify(entry)}\n`);
    return scores;
  }

  private read(file: string): CachedProbe | null {
    if (!fs.existsSync(file)) return null;
    try {
      const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CachedProbe>;
      if (typeof entry.key === 'string' && Array.isArray(entry.scores) && typeof entry.seconds === 'number')
        return entry as CachedProbe;
      this.args.log(`${file}: not a probe result; probing again`);
    } catch (e) {
      this.args.log(`${file}: unreadable (${(e as Error).message}); probing again`);
    }
    return null;
  }
}
