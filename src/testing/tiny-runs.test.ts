/**
 * Reproduction guard for refactoring: tiny `gim train` runs (audio and vision; simultaneous, iterative, iterative on
 * cached activations, supervised) record every step's losses, and the weights of their last checkpoint, in
 * fixtures/tiny-runs.json. On the machine that wrote the fixture (same CPU generation and ISA, threads and kernel choice) a run must
 * reproduce it bit for bit; on any other machine libtorch's kernels differ in the last bits, so there the losses must
 * agree to a relative 1e-3 (a change of batches, negatives, schedule or initial weights moves them far more).
 * Async runs are not reproducible (their interleaving is not) and are not here.
 * Regenerate (only when a change of behaviour is intended): GIM_WRITE_TINY_RUNS=1 npx vitest run src/testing/tiny-runs.test.ts
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildProgram } from '../cli/program.js';
import { loadCheckpointSync } from '../tensor/index.js';
import { FASHION_MNIST_DIR } from '../vision/data/index.js';
import { readTestEnv } from './env.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/tiny-runs.json', import.meta.url));
const LIBRISPEECH = fileURLToPath(new URL('../audio/data/fixtures/librispeech/', import.meta.url));
const HAS_FASHION_MNIST = fs.existsSync(path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
const WRITE = process.env.GIM_WRITE_TINY_RUNS === '1';
/** Relative agreement of losses required on a machine other than the fixture's. */
const CROSS_MACHINE_TOLERANCE = 1e-3;

/** One tiny run: the preset and the --set changes after `train.logEvery=1`. */
interface TinyRun {
  preset: 'audio-tiny' | 'vision-tiny';
  sets: string[];
}

const RUNS: Record<string, TinyRun> = {
  'audio simultaneous': { preset: 'audio-tiny', sets: [`data.root=${LIBRISPEECH}`, 'train.steps=4'] },
  'audio iterative cached': {
    preset: 'audio-tiny',
    sets: [`data.root=${LIBRISPEECH}`, 'train.steps=7', 'train.mode=iterative', 'train.cacheBatches=2'],
  },
  'vision simultaneous': { preset: 'vision-tiny', sets: ['train.steps=4'] },
  'vision iterative': { preset: 'vision-tiny', sets: ['train.steps=6', 'train.mode=iterative'] },
  'vision supervised': { preset: 'vision-tiny', sets: ['train.steps=3', 'train.objective=supervised'] },
};

/** What a run leaves that the fixture pins. */
interface RunRecord {
  /** `step/module: loss` for every metrics line with a loss, in file order. */
  losses: [string, number][];
  /** sha256 of the last checkpoint's tensors (names, dtypes, shapes, bytes), first 16 hex digits. */
  weights: string;
}

interface Fixture {
  machine: string;
  runs: Record<string, RunRecord>;
}

/**
 * The CPU as libtorch's kernel choice sees it: family, model and stepping, and the widest vector ISA (AVX-512 or AVX2)
 * — the model name alone ("AMD EPYC") names CPUs of several generations with different kernels.
 */
function cpuIdentity(): string {
  let info = '';
  try {
    info = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n\n')[0] ?? '';
  } catch {
    return 'cpuinfo unreadable';
  }
  const field = (key: string): string => new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '?';
  const flags = field('flags').split(' ');
  const isa = ['avx512f', 'avx2'].find((flag) => flags.includes(flag)) ?? 'no avx2';
  return `family ${field('cpu family')} model ${field('model')} stepping ${field('stepping')}, ${isa}`;
}

/** The facts that decide libtorch's kernels: CPU, threads, and the ATen kernel choice. */
function machine(): string {
  const cpu = `${os.cpus()[0]?.model ?? 'unknown'} (${cpuIdentity()})`;
  return `${cpu} | threads ${readTestEnv().threads} | ATEN_CPU_CAPABILITY=${process.env.ATEN_CPU_CAPABILITY ?? ''}`;
}

function weightsHash(checkpoints: string): string {
  const files = fs.readdirSync(checkpoints).filter((f) => f.endsWith('.safetensors'));
  const last = path.join(checkpoints, files.sort().at(-1)!);
  const checkpoint = loadCheckpointSync(last);
  const hash = createHash('sha256');
  for (const name of [...checkpoint.tensors.keys()].sort()) {
    const t = checkpoint.tensors.get(name)!;
    const data = t.data() as ArrayBufferView;
    hash.update(`${name}:${t.dtype}[${t.shape.join(',')}]`);
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    t.dispose();
  }
  return hash.digest('hex').slice(0, 16);
}

function readLosses(metricsFile: string): [string, number][] {
  return fs
    .readFileSync(metricsFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { step: number; module?: number; loss?: number })
    .filter((r) => typeof r.loss === 'number' && r.module !== undefined)
    .map((r): [string, number] => [`${r.step}/${r.module}`, r.loss!]);
}

/** The fixture as JSON with one line per loss. */
function formatFixture(fixture: Fixture): string {
  const runs = Object.entries(fixture.runs).map(
    ([name, r]) =>
      `  ${JSON.stringify(name)}: {\n    "weights": ${JSON.stringify(r.weights)},\n    "losses": [\n` +
      r.losses.map((l) => `      ${JSON.stringify(l)}`).join(',\n') +
      '\n    ]\n  }',
  );
  return `{\n  "machine": ${JSON.stringify(fixture.machine)},\n  "runs": {\n${runs.join(',\n')}\n  }\n}\n`;
}

describe.skipIf(!HAS_FASHION_MNIST)('tiny runs reproduce the fixture', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-tiny-runs-'));
  const seen: Record<string, RunRecord> = {};
  const fixture: Fixture | null = fs.existsSync(FIXTURE)
    ? (JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Fixture)
    : null;
  const sameMachine = fixture?.machine === machine();
  afterEach(() => {
    process.exitCode = undefined;
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (WRITE) fs.writeFileSync(FIXTURE, formatFixture({ machine: machine(), runs: seen }));
  });

  for (const [name, run] of Object.entries(RUNS)) {
    it(name, async () => {
      const folder = path.join(tmp, name.replaceAll(' ', '-'));
      const program = buildProgram();
      for (const c of [program, ...program.commands]) c.exitOverride().configureOutput({ writeErr: () => undefined });
      const sets = ['train.logEvery=1', ...run.sets].flatMap((s) => ['--set', s]);
      await program.parseAsync(['train', '--preset', run.preset, '--run', folder, ...sets], { from: 'user' });
      expect(process.exitCode).toBe(0);
      const record: RunRecord = {
        losses: readLosses(path.join(folder, 'metrics.jsonl')),
        weights: weightsHash(path.join(folder, 'checkpoints')),
      };
      seen[name] = record;
      if (WRITE) return;
      expect(fixture, `${FIXTURE} is missing (write it with GIM_WRITE_TINY_RUNS=1)`).not.toBeNull();
      const expected = fixture!.runs[name]!;
      expect(record.losses.map(([at]) => at)).toEqual(expected.losses.map(([at]) => at));
      if (sameMachine) {
        expect(record).toEqual(expected);
      } else {
        record.losses.forEach(([at, loss], i) => {
          const want = expected.losses[i]![1];
          expect(Math.abs(loss - want) / Math.abs(want), `${name} ${at}: ${loss} vs ${want}`).toBeLessThan(
            CROSS_MACHINE_TOLERANCE,
          );
        });
      }
    });
  }
});
