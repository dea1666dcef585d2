/**
 * Probe accuracy vs pretraining steps (issue 11): probes every snapshot folder `<method>-step-XXXXXXX` that
 * bench/vision-probe-vs-steps.sh left in SNAP with the vision-small protocol (bench/lib/vision-probe.ts), appends one
 * JSON line per snapshot to results/vision/probe-vs-steps.jsonl (snapshots already there are skipped, so it can be
 * run again as more arrive), and draws results/vision/probe-vs-steps.{png,svg} with the pixel row as a floor.
 *   npx tsx bench/vision-probe-vs-steps.ts SNAP [--draw-only]
 */
import fs from 'node:fs';
import path from 'node:path';
import { linePlot, saveFigure, type Series } from '../src/report/index.js';
import { probePixels, probeVisionRun } from './lib/vision-probe.js';

const STEPS_PER_EPOCH = 1875; // 60,000 images in batches of 32
const GRID_AVERAGE = 'last module, grid average (the paper’s probe)';
const CELLS = 'last module, 2×2 cells';
const resultsFile = 'results/vision/probe-vs-steps.jsonl';

interface Row {
  method: string;
  step: number;
  /** Per module: the grid-average probe's and the 2×2-cell probe's test and train accuracy. */
  modules: { global: { test: number; train: number }; spatial: { test: number; train: number } | null }[];
  seconds: number;
}

const args = process.argv.slice(2);
const snapDir = args.find((a) => !a.startsWith('--'));
if (snapDir === undefined) {
  console.error('usage: npx tsx bench/vision-probe-vs-steps.ts SNAP [--draw-only]');
  process.exit(2);
}
const rows: Row[] = fs.existsSync(resultsFile)
  ? fs
      .readFileSync(resultsFile, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Row)
  : [];
const have = new Set(rows.map((row) => `${row.method}@${row.step}`));
const append = (row: Row): void => {
  rows.push(row);
  fs.appendFileSync(resultsFile, `${JSON.stringify(row)}\n`);
  console.log(JSON.stringify(row));
};

if (!args.includes('--draw-only')) {
  if (!have.has('pixels@0')) {
    const pixels = probePixels();
    append({ method: 'pixels', step: 0, modules: [{ global: pixels.score, spatial: null }], seconds: pixels.seconds });
  }
  const snapshots = fs
    .readdirSync(snapDir)
    .map((name) => /^(.+)-step-(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ folder: path.join(snapDir, match[0]), method: match[1]!, step: Number(match[2]) }))
    .sort((a, b) => a.method.localeCompare(b.method) || a.step - b.step);
  for (const snapshot of snapshots) {
    if (have.has(`${snapshot.method}@${snapshot.step}`)) continue;
    const probe = probeVisionRun(snapshot.folder);
    const pick = (score: { test: number; train: number }) => ({ test: score.test, train: score.train });
    append({
      method: snapshot.method,
      step: probe.step,
      modules: probe.scores.map((s) => ({
        global: pick(s.global),
        spatial: s.spatial === null ? null : pick(s.spatial),
      })),
      seconds: probe.seconds,
    });
  }
}

const methods = [...new Set(rows.filter((row) => row.method !== 'pixels').map((row) => row.method))];
const lastStep = Math.max(STEPS_PER_EPOCH, ...rows.map((row) => row.step));
const series: Series[] = methods.flatMap((method) => {
  const mine = rows.filter((row) => row.method === method).sort((a, b) => a.step - b.step);
  const last = (row: Row) => row.modules[row.modules.length - 1]!;
  return [
    {
      name: method,
      panel: GRID_AVERAGE,
      points: mine.map((row) => [row.step / STEPS_PER_EPOCH, 100 * last(row).global.test] as const),
    },
    ...(mine.some((row) => last(row).spatial !== null)
      ? [
          {
            name: method,
            panel: CELLS,
            points: mine.map((row) => [row.step / STEPS_PER_EPOCH, 100 * (last(row).spatial?.test ?? NaN)] as const),
          },
        ]
      : []),
  ];
});
const pixels = rows.find((row) => row.method === 'pixels');
if (pixels !== undefined) {
  const level = 100 * pixels.modules[0]!.global.test;
  for (const panel of [GRID_AVERAGE, CELLS]) {
    series.push({
      name: 'pixels (logistic regression)',
      panel,
      points: [
        [0, level],
        [lastStep / STEPS_PER_EPOCH, level],
      ],
    });
  }
}
const figure = await linePlot({
  title: 'Fashion-MNIST: linear probe vs pretraining (vision-small encoder)',
  xLabel: 'pretraining epochs (1 epoch = 1,875 steps of 32)',
  yLabel: 'probe test accuracy (%)',
  series,
  showPoints: true,
  facet: { columns: 2, sharedY: true },
});
console.log(saveFigure('results/vision/probe-vs-steps', figure).join(', '));
