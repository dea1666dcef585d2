/**
 * Figure 3: each module's training loss under simultaneous and iterative training, for the first, a middle and the
 * last module, read from two runs' metrics.jsonl. The x axis counts the module's own updates, so iterative training
 * (where module i starts only after modules < i have finished) lines up with simultaneous training (every module
 * updated every step).
 */
import fs from 'node:fs';
import path from 'node:path';
import { linePlot, readMetrics, saveFigure, type Figure, type MetricRecord, type Series } from '../../report/index.js';
import { runDir } from '../../gim/run-dir.js';

/** The two runs, and what to draw of them. */
export interface Figure3Args {
  /** Run directories (holding metrics.jsonl) of the simultaneous and the iterative run. */
  simultaneous: string;
  iterative: string;
  /** Output path without extension (default results/figure3). */
  out?: string;
  /** 0-based modules to draw (default: first, middle, last). */
  modules?: number[];
  /** Moving-average window over logged points (default 1: raw). */
  smooth?: number;
}

/** The first, middle and last module of a stack of `count` (without repeats). */
export function defaultModules(count: number): number[] {
  return [...new Set([0, Math.floor((count - 1) / 2), count - 1])].filter((m) => m >= 0);
}

/** Loss points [module update, loss] of one module: steps counted from the module's first logged update. */
export function moduleLossCurve(records: readonly MetricRecord[], module: number, smooth = 1): [number, number][] {
  const rows = records
    .filter((r) => r.module === module && typeof r.loss === 'number' && (r.name === undefined || r.name === 'train'))
    .sort((a, b) => a.step - b.step);
  if (rows.length === 0) return [];
  // Iterative runs: the module's first update is the step after the previous module's last one.
  const before = records.filter((r) => typeof r.loss === 'number' && r.module !== undefined && r.module < module);
  const offset = before.length === 0 ? 0 : Math.max(...before.map((r) => r.step));
  const start = rows[0]!.step > offset ? offset : 0; // simultaneous: modules share steps, no offset
  const w = Math.max(1, Math.floor(smooth));
  return rows.map((r, i) => {
    const window = rows.slice(Math.max(0, i - w + 1), i + 1);
    return [r.step - start, window.reduce((s, x) => s + (x.loss as number), 0) / window.length];
  });
}

/** The series of Figure 3 (one panel per module, one line per training mode). */
export function figure3Series(
  simultaneous: readonly MetricRecord[],
  iterative: readonly MetricRecord[],
  modules?: number[],
  smooth = 1,
): Series[] {
  const count = Math.max(-1, ...[...simultaneous, ...iterative].map((r) => r.module ?? -1)) + 1;
  if (count === 0) throw new Error('figure 3: no per-module loss in either run');
  const chosen = modules ?? defaultModules(count);
  const label = (m: number) =>
    m === 0 ? 'module 1 (first)' : m === count - 1 ? `module ${m + 1} (last)` : `module ${m + 1}`;
  return chosen.flatMap((m) => [
    { name: 'simultaneous', panel: label(m), points: moduleLossCurve(simultaneous, m, smooth) },
    { name: 'iterative', panel: label(m), points: moduleLossCurve(iterative, m, smooth) },
  ]);
}

/** renderFigure3(sim, iter): the figure from two lists of metrics records. */
export function renderFigure3(
  simultaneous: readonly MetricRecord[],
  iterative: readonly MetricRecord[],
  modules?: number[],
  smooth = 1,
): Promise<Figure> {
  return linePlot({
    title: 'Training loss per module: simultaneous vs iterative (Figure 3)',
    xLabel: "the module's updates",
    yLabel: 'InfoNCE loss',
    series: figure3Series(simultaneous, iterative, modules, smooth),
    facet: { columns: 3 },
  });
}

/** figure3(args): read both runs' metrics.jsonl and write results/figure3.{png,svg}; returns the files written. */
export async function figure3(args: Figure3Args): Promise<string[]> {
  for (const run of [args.simultaneous, args.iterative]) {
    if (!fs.existsSync(runDir(run).metrics))
      throw new Error(`report figure3: ${run} has no metrics.jsonl (is it a run directory?)`);
  }
  const sim = readMetrics(runDir(args.simultaneous).metrics);
  const iter = readMetrics(runDir(args.iterative).metrics);
  const fig = await renderFigure3(sim, iter, args.modules, args.smooth ?? 1);
  return saveFigure(args.out ?? path.join('results', 'figure3'), fig);
}
