/**
 * Training-loss curves of any runs: one panel per run, one line per module, read from each run's metrics.jsonl
 * (`gim report losses`). What to look at when a method falls behind another: which module stops learning, and when.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runDir } from '../gim/run-dir.js';
import { linePlot, readMetrics, saveFigure, type Series } from '../report/index.js';
import { moduleLossCurve } from './audio/figure3.js';

/** The runs to draw and how. */
export interface LossCurvesArgs {
  /** Run directories (each holding metrics.jsonl). */
  runs: readonly string[];
  /** A panel title per run (default: the folder's name). */
  labels?: readonly string[];
  /** Output path without extension. */
  out: string;
  /** Moving-average window over logged points (default 1: raw). */
  smooth?: number;
  title?: string;
}

/** lossCurveSeries(args): one series per (run, module) that logged a loss, panelled by run. */
export function lossCurveSeries(args: Omit<LossCurvesArgs, 'out'>): Series[] {
  if (args.labels !== undefined && args.labels.length !== args.runs.length) {
    throw new Error(`report losses: ${args.labels.length} --label for ${args.runs.length} --run`);
  }
  return args.runs.flatMap((run, r) => {
    const metrics = runDir(run).metrics;
    if (!fs.existsSync(metrics)) throw new Error(`report losses: ${run} has no metrics.jsonl (is it a run directory?)`);
    const records = readMetrics(metrics);
    const modules = [...new Set(records.filter((x) => typeof x.loss === 'number').map((x) => x.module ?? 0))].sort(
      (a, b) => a - b,
    );
    if (modules.length === 0) throw new Error(`report losses: ${run} logged no loss`);
    const panel = args.labels?.[r] ?? path.basename(path.resolve(run));
    return modules.map((m) => ({ name: `module ${m + 1}`, panel, points: moduleLossCurve(records, m, args.smooth) }));
  });
}

/** lossCurves(args): draw the figure to args.out.{png,svg}; returns the files written. */
export async function lossCurves(args: LossCurvesArgs): Promise<string[]> {
  const figure = await linePlot({
    title: args.title ?? 'Training loss per module',
    xLabel: "the module's updates",
    yLabel: 'loss',
    series: lossCurveSeries(args),
    facet: { columns: Math.min(args.runs.length, 3), sharedY: true },
  });
  return saveFigure(args.out, figure);
}
