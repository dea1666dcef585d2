/**
 * Distributed training on one machine over loopback (issue 13): what 1, 2 and 3 processes cost and give, pipeline vs
 * data-parallel vs the in-process async mode, and the communication next to the compute.
 *   1. transfers: allreduce (2 and 3 ranks) and one-way send/recv of 256 KiB … 64 MiB of float32 over 127.0.0.1;
 *   2. training: audio-small for STEPS steps, 1 libtorch thread per process, as `gim train` (simultaneous, async) and as
 *      `gim launch --nproc-per-node N -- train --mode distributed` with stages = N (pipeline) or 1 (replicas); each
 *      rank's summary (compute, waiting on recv, send back-pressure, allreduce, bytes sent, queue, staleness).
 * Writes results/distributed-loopback.{json,md} (--report-only: the md again from the json). Runs in WORK (default /tmp/gim-distributed-loopback), where the
 * synthetic corpus is built on first use.
 *   npx tsx bench/distributed-loopback.ts [--steps 60] [--work DIR] [--report-only]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable, readMetrics, type MetricRecord } from '../src/report/index.js';
import { freePort, runRanks } from '../src/testing/ranks.js';
import { cpuModel } from './lib/machine.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GIM = path.join(ROOT, 'bin', 'gim.js');
const TRANSFER_RANK = path.join(ROOT, 'bench', 'lib', 'loopback-transfer-rank.ts');
const KIB = 1024;
const MIB = 1024 * KIB;
const TRANSFER_SIZES = [256 * KIB, MIB, 4 * MIB, 16 * MIB, 64 * MIB];
const BATCH = 8; // audio-small's train.batchSize

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string): string =>
  argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback;
const steps = Number(flag('--steps', '60'));
const work = path.resolve(flag('--work', '/tmp/gim-distributed-loopback'));
fs.mkdirSync(work, { recursive: true });

interface TransferRow {
  bytes: number;
  allreduceMs: number;
  oneWayMs: number | null;
}

async function transfers(worldSize: number): Promise<TransferRow[]> {
  const outcomes = await runRanks({
    script: TRANSFER_RANK,
    worldSize,
    env: { SIZES_BYTES: TRANSFER_SIZES.join(',') },
    limitMs: 600_000,
  });
  const r0 = outcomes.find((o) => o.rank === 0)!;
  if (r0.result === null) throw new Error(`transfer rank 0 exited ${r0.code ?? r0.signal}\n${r0.stderr}`);
  return (r0.result as { rows: TransferRow[] }).rows;
}

interface RunResult {
  label: string;
  processes: number;
  wallSeconds: number;
  samplesPerSec: number;
  ranks: MetricRecord[];
}

function gim(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GIM, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

const COMMON = ['--set', `train.steps=${steps}`, '--set', 'train.checkpointEvery=100000'];

async function train(
  label: string,
  run: string,
  args: string[],
  processes: number,
  replicas: number,
  threads = 1,
): Promise<RunResult> {
  const runFolder = path.join(work, 'runs', run);
  const r = await gim([
    ...args,
    ...['--preset', 'audio-small', '--run', runFolder, '--overwrite', ...COMMON, '--set', `threads=${threads}`],
  ]);
  if (r.code !== 0) throw new Error(`${label}: exit ${r.code}\n${r.out}`);
  const seconds = [...r.out.matchAll(/finished at step \d+ in ([\d.]+) s/g)].map((m) => Number(m[1]));
  if (seconds.length === 0) throw new Error(`${label}: no "finished at step" line\n${r.out}`);
  const wallSeconds = Math.max(...seconds);
  const ranks = readMetrics(path.join(runFolder, 'metrics.jsonl')).filter((m) => m.name === 'distributed');
  process.stderr.write(`${label}: ${wallSeconds.toFixed(1)} s\n`);
  return { label, processes, wallSeconds, samplesPerSec: (steps * BATCH * replicas) / wallSeconds, ranks };
}

async function launched(label: string, run: string, nproc: number, stages: number): Promise<RunResult> {
  const port = await freePort();
  const launch = ['launch', '--nproc-per-node', String(nproc), '--master-port', String(port), '--'];
  const args = [...launch, 'train', '--mode', 'distributed', '--set', `distributed.stages=${stages}`];
  return train(label, run, args, nproc, nproc / stages);
}

const fmt = (v: unknown, digits = 1): string => (typeof v === 'number' ? v.toFixed(digits) : '—');

const jsonFile = path.join(ROOT, 'results', 'distributed-loopback.json');
interface Measured {
  steps: number;
  transfers: Record<2 | 3, TransferRow[]>;
  runs: RunResult[];
}
let measured: Measured;
if (argv.includes('--report-only')) {
  measured = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as Measured;
} else {
  const transfersBy = { 2: await transfers(2), 3: await transfers(3) };
  const runsDone: RunResult[] = [
    await train('simultaneous, 1 process (2 threads)', 'sim2', ['train', '--mode', 'simultaneous'], 1, 1, 2),
    await train('simultaneous, 1 process', 'sim', ['train', '--mode', 'simultaneous'], 1, 1),
    await train('async, 1 process (a thread per module)', 'async', ['train', '--mode', 'async'], 1, 1),
    await launched('distributed, 1 process (stages=1)', 'd1', 1, 1),
    await launched('pipeline, 2 processes (stages=2)', 'p2', 2, 2),
    await launched('data-parallel, 2 processes (stages=1)', 'r2', 2, 1),
    await launched('pipeline, 3 processes (stages=3)', 'p3', 3, 3),
    await launched('data-parallel, 3 processes (stages=1)', 'r3', 3, 1),
  ];
  measured = { steps, transfers: transfersBy, runs: runsDone };
  fs.writeFileSync(jsonFile, `${JSON.stringify(measured, null, 1)}\n`);
}
const transferRows = measured.transfers;
const runs = measured.runs;
const lines: string[] = [
  '# Distributed training over loopback: 1, 2 and 3 processes on one machine',
  '',
  `\`npx tsx bench/distributed-loopback.ts --steps ${measured.steps}\` (${new Date().toISOString().slice(0, 10)}, ${cpuModel()}, ` +
    `${fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? '?'} cores). Everything runs on one ` +
    'machine over 127.0.0.1, so more processes share the same cores: this shows what the communication costs and ' +
    'that the layouts work, not a speed-up.',
  '',
  '## Transfers over loopback (Gloo, float32, median of 7)',
  '',
  markdownTable(
    ['size', 'send → recv, one way (ms)', 'GB/s', 'allreduce, 2 ranks (ms)', 'allreduce, 3 ranks (ms)'],
    TRANSFER_SIZES.map((bytes, i) => {
      const two = transferRows[2][i]!;
      const three = transferRows[3][i]!;
      return [
        bytes >= MIB ? `${bytes / MIB} MiB` : `${bytes / KIB} KiB`,
        fmt(two.oneWayMs, 2),
        two.oneWayMs === null ? '—' : (bytes / (two.oneWayMs / 1000) / 1e9).toFixed(2),
        fmt(two.allreduceMs, 2),
        fmt(three.allreduceMs, 2),
      ];
    }),
    { align: ['left', 'right', 'right', 'right', 'right'] },
  ),
  '',
  `## Training audio-small (${measured.steps} steps of ${BATCH} per replica, 1 libtorch thread per process unless said)`,
  '',
  'Samples/s of the world: steps × batch × replicas ÷ the slowest rank\'s training time (from "finished at step"), ' +
    'start-up and the first steps included.',
  '',
  markdownTable(
    ['layout', 'processes', 'time (s)', 'samples/s'],
    runs.map((r) => [r.label, String(r.processes), fmt(r.wallSeconds), fmt(r.samplesPerSec)]),
    { align: ['left', 'right', 'right', 'right'] },
  ),
  '',
  '### Per rank (means per step)',
  '',
  markdownTable(
    [
      'layout',
      'rank (stage, replica)',
      'compute (ms)',
      'batch / recv wait (ms)',
      'send wait (ms)',
      'allreduce (ms)',
      'sent per step',
      'queue mean (max)',
      'staleness mean (max)',
    ],
    runs.flatMap((r) =>
      [...r.ranks]
        .sort((a, b) => (a.rank as number) - (b.rank as number))
        .map((s) => [
          r.label,
          `${s.rank} (${(s.stage as number) + 1}, ${(s.replica as number) + 1})`,
          fmt(s.computeMsPerStep),
          fmt(s.batchMsPerStep ?? s.recvMsPerStep),
          fmt(s.sendWaitMsPerStep),
          fmt(s.reduceMsPerStep),
          `${((s.bytesSentPerStep as number) / MIB).toFixed(2)} MiB`,
          `${fmt(s.queueMean, 2)} (${String(s.queueMax)})`,
          `${fmt(s.stalenessMean, 2)} (${String(s.stalenessMax)})`,
        ]),
    ),
    { align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'] },
  ),
  '',
];
fs.writeFileSync(path.join(ROOT, 'results', 'distributed-loopback.md'), lines.join('\n'));
process.stderr.write('wrote results/distributed-loopback.md\n');
