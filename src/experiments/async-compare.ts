/**
 * Async vs simultaneous training of one audio config: simultaneous for `train.steps`, async for the same steps, and
 * async for the same wall time (the simultaneous run's seconds, counted from when every worker is ready); the last
 * module of each is linear-probed (speaker and phone) and everything lands in results/async.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GradientIsolatedStack } from '../gim/index.js';
import { formatPercent, markdownTable, writeFileAtomic } from '../report/index.js';
import { extractFeatures, probeTask, probeWindows, trainAudio, type AudioData, type ProbeWindows } from './audio.js';
import type { AudioConfig } from './audio-config.js';
import { trainAudioAsync } from './async-audio.js';

/** Where compareAsync writes: its runs (deleted first) and the markdown report. */
export interface AsyncCompareArgs {
  runs: string;
  out: string;
  log?: (line: string) => void;
}

/** One trained model's row: per-module steps, samples/s and staleness, wall time, probe accuracies of the last module. */
export interface AsyncCompareRow {
  label: string;
  steps: number[];
  seconds: number;
  samplesPerSec: number[];
  /** Mean and max staleness per module (null for simultaneous: always 0). */
  staleness: { mean: number; max: number }[] | null;
  queueMean: number[] | null;
  speaker: number;
  phone: number;
}

/** probeLast(stack, ...): speaker (time-mean features) and phone (frame features) accuracy of the last module. */
function probeLast(
  stack: GradientIsolatedStack,
  w: { train: ProbeWindows; test: ProbeWindows },
  config: AudioConfig,
  speakers: number,
): { speaker: number; phone: number } {
  const layer = stack.length - 1;
  const acc = (task: 'speaker' | 'phone'): number => {
    const timeMean = task === 'speaker';
    const tr = extractFeatures(stack, w.train.x, [layer], timeMean).get(layer)!;
    const te = extractFeatures(stack, w.test.x, [layer], timeMean).get(layer)!;
    const a = probeTask(task, { features: tr, windows: w.train }, { features: te, windows: w.test }, config, speakers);
    tr.dispose();
    te.dispose();
    return a;
  };
  return { speaker: acc('speaker'), phone: acc('phone') };
}

/** compareAsync(config, data, args): train the three models, probe them, write args.out; returns the rows. */
export async function compareAsync(
  config: AudioConfig,
  data: AudioData,
  a: AsyncCompareArgs,
): Promise<AsyncCompareRow[]> {
  const log = a.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  fs.rmSync(a.runs, { recursive: true, force: true });
  const B = config.train.batchSize;
  const M = config.model.modelSplits;
  const w = {
    train: await probeWindows(
      data.train,
      config.probe.trainWindowsPerUtterance,
      config.seed,
      config.data.windowSamples,
    ),
    test: await probeWindows(data.test, 1, config.seed + 1, config.data.windowSamples),
  };
  const speakers = data.train.speakers.length;
  const rows: AsyncCompareRow[] = [];
  try {
    log(`[simultaneous] ${config.train.steps} steps`);
    const sim = await trainAudio({ ...config, train: { ...config.train, mode: 'simultaneous' } }, data, {
      run: path.join(a.runs, 'simultaneous'),
      resume: false,
      interactive: false,
    });
    rows.push({
      label: 'simultaneous',
      steps: Array<number>(M).fill(sim.step),
      seconds: sim.seconds,
      samplesPerSec: Array<number>(M).fill((sim.step * B) / sim.seconds),
      staleness: null,
      queueMean: null,
      ...probeLast(sim.stack, w, config, speakers),
    });
    sim.stack.dispose();

    const asyncConfig = { ...config, train: { ...config.train, mode: 'async' as const } };
    const runs: [string, AudioConfig, number | undefined][] = [
      ['async, equal steps', asyncConfig, undefined],
      // Equal wall time: steps high enough that the time limit ends the run.
      ['async, equal wall time', { ...asyncConfig, train: { ...asyncConfig.train, steps: 1_000_000 } }, sim.seconds],
    ];
    for (const [label, c, maxSeconds] of runs) {
      log(`[${label}] ${maxSeconds === undefined ? `${c.train.steps} steps` : `${maxSeconds.toFixed(1)} s`}`);
      const r = await trainAudioAsync(c, data, {
        run: path.join(a.runs, label.replace(/[^a-z]+/g, '-')),
        resume: false,
        log,
        ...(maxSeconds === undefined ? {} : { maxSeconds }),
      });
      rows.push({
        label,
        steps: r.async.modules.map((m) => m.step),
        seconds: r.async.trainSeconds,
        samplesPerSec: r.async.modules.map((m) => m.samplesPerSec),
        staleness: r.async.modules.map((m) => ({ mean: m.staleness.mean, max: m.staleness.max })),
        queueMean: r.async.modules.map((m) => m.queue.mean),
        ...probeLast(r.stack, w, config, speakers),
      });
      r.stack.dispose();
    }
  } finally {
    for (const t of [w.train, w.test]) for (const x of [t.x, t.speakers, t.phones]) x.dispose();
  }
  writeFileAtomic(a.out, report(config, rows));
  log(`wrote ${a.out}`);
  return rows;
}

function report(config: AudioConfig, rows: AsyncCompareRow[]): string {
  const M = config.model.modelSplits;
  const mods = Array.from({ length: M }, (_, m) => `m${m + 1}`);
  const list = (xs: number[], d: number): string => xs.map((x) => x.toFixed(d)).join(' / ');
  const summary = markdownTable(
    ['mode', 'steps per module', 'wall s', 'samples/s (slowest module)', 'speaker acc', 'phone acc'],
    rows.map((r) => [
      r.label,
      list(r.steps, 0),
      r.seconds.toFixed(1),
      Math.min(...r.samplesPerSec).toFixed(1),
      formatPercent(r.speaker),
      formatPercent(r.phone),
    ]),
  );
  const perModule = markdownTable(
    ['mode', 'per module', ...mods],
    rows.flatMap((r) => [
      [r.label, 'samples/s', ...r.samplesPerSec.map((x) => x.toFixed(1))],
      ...(r.staleness === null
        ? []
        : [
            [r.label, 'staleness mean (max)', ...r.staleness.map((s) => `${s.mean.toFixed(2)} (${s.max})`)],
            [r.label, 'input queue mean', ...r.queueMean!.map((x) => x.toFixed(2))],
          ]),
    ]),
  );
  const t = config.train;
  return [
    `# Async module-parallel vs simultaneous training (${config.name})`,
    '',
    `${M} modules, batch ${t.batchSize}, lr ${t.lr}, ${t.steps} steps; simultaneous: ${config.threads} libtorch threads; ` +
      `async: one worker per module with ${t.async.threadsPerModule} thread(s) each, queues of ${t.async.queueCapacity} batches; ` +
      `${os.cpus().length} CPU cores. Probes: linear, on the last module's features (speaker: time-mean; phone: per frame).`,
    '',
    summary,
    perModule,
    'Staleness: predecessor updates made between sending an activation and the consumer training on it (0 in simultaneous mode). ' +
      'Async wall time runs from when every worker was ready (built, restored) until all had exited; simultaneous wall time is the training loop’s. ' +
      'Async samples/s of a module: its own updates × batch size over its own run time.',
    '',
  ].join('\n');
}
