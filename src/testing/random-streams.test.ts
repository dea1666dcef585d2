/**
 * Reproduction guard: the first draws of every random stream the experiments use are pinned in
 * fixtures/random-streams.json. These streams are integer (mulberry32, libtorch's mt19937 after manualSeed) or exact
 * functions of them, so they reproduce on every machine; when they hold, a tiny run sees the same batches, windows,
 * negatives and initial weights as before, and with them the same losses on the same machine. Initial weights, float
 * draws scaled by vectorised or scalar kernels, are pinned by sums within a tolerance (summariseWeights).
 * Regenerate (only when a change of streams is intended): GIM_WRITE_STREAMS=1 npx vitest run src/testing/random-streams.test.ts
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

import { batchAt, disposeBatch } from '../audio/batches.js';
import { LibriSpeechDataset, sampleWindowStart } from '../audio/data/index.js';
import { buildAudioModules } from '../audio/model.js';
import { resolveAudioConfig } from '../experiments/audio/config.js';
import { probeWindows } from '../experiments/audio/experiment.js';
import { buildVisionStackModules } from '../experiments/vision/experiment.js';
import { resolveVisionConfig } from '../experiments/vision/config.js';
import { TrainBatches } from '../experiments/vision/data.js';
import { sampleNegatives } from '../gim/negatives.js';
import { manualSeed, randint, type Tensor } from '../tensor/index.js';
import { audioMixSeed, mixSeed as visionMixSeed, Rng } from '../util/rng.js';
import { fashionMnistDataset } from '../vision/data/index.js';
import { gratings } from '../vision/model/testing.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/random-streams.json', import.meta.url));
const LIBRISPEECH = fileURLToPath(new URL('../audio/data/fixtures/librispeech/', import.meta.url));
const SEED = 20;
const STEPS = [0, 1, 2, 7];
const DRAWS = 8;

/** sha256 of a tensor's bytes (dtype and shape included), first 16 hex digits. */
function hashTensor(t: Tensor): string {
  const data = t.data() as ArrayBufferView;
  const h = createHash('sha256').update(`${t.dtype}[${t.shape.join(',')}]`);
  h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return h.digest('hex').slice(0, 16);
}

/** What initial weights are pinned by: each parameter's name, shape and three sums of its values. */
interface WeightSummary {
  name: string;
  shape: number[];
  /** Σ w, Σ |w|, and Σ w·c with fixed coefficients c in [-½, ½) (so a permutation of the draws shows too). */
  sums: [number, number, number];
}

/**
 * Initial weights are float draws scaled by libtorch's CPU kernels, whose vectorised and scalar paths round the last
 * bit differently (ATEN_CPU_CAPABILITY=default vs AVX2/AVX-512): pinned by sums, compared within WEIGHT_TOLERANCE of
 * Σ |w|, far above a rounding of the last bit and far below a change of stream.
 */
function summariseWeights(named: [string, Tensor][]): WeightSummary[] {
  return named.map(([name, t]) => {
    const values = t.toArray() as number[];
    const sums: [number, number, number] = [0, 0, 0];
    values.forEach((w, i) => {
      sums[0] += w;
      sums[1] += Math.abs(w);
      sums[2] += w * (((i * 0.6180339887498949) % 1) - 0.5);
    });
    return { name, shape: [...t.shape], sums };
  });
}
const WEIGHT_TOLERANCE = 1e-5;

function expectSameWeights(actual: WeightSummary[][], expected: WeightSummary[][], what: string): void {
  expect(
    actual.map((m) => m.map((p) => [p.name, p.shape])),
    what,
  ).toEqual(expected.map((m) => m.map((p) => [p.name, p.shape])));
  actual.forEach((m, i) =>
    m.forEach((p, j) => {
      const want = expected[i]![j]!;
      p.sums.forEach((sum, k) =>
        expect(Math.abs(sum - want.sums[k]!), `${what} module ${i} ${p.name} sum ${k}`).toBeLessThanOrEqual(
          WEIGHT_TOLERANCE * want.sums[1],
        ),
      );
    }),
  );
}

const ints = (t: Tensor): number[] => Array.from(t.data() as BigInt64Array, Number);

/** A deterministic labelled byte dataset of n 28 × 28 images (no files needed). */
function syntheticImages(n: number): ReturnType<typeof fashionMnistDataset> {
  const size = 28;
  const images = new Uint8Array(n * size * size).map((_, i) => (i * 37 + (i >> 5)) & 0xff);
  const labels = new Uint8Array(n).map((_, i) => i % 10);
  return fashionMnistDataset({ images, labels, n, channels: 1, height: size, width: size });
}

type Streams = Record<string, unknown>;

async function audioStreams(): Promise<Streams> {
  const ds = await new LibriSpeechDataset({ root: LIBRISPEECH, split: 'train', requirePhones: true }).open();
  const out: Streams = {};
  out.mixSeed = STEPS.map((step) => audioMixSeed(SEED, step));
  const uniform = new Rng(audioMixSeed(SEED, 3));
  out.uniform = Array.from({ length: DRAWS }, () => uniform.next());
  const rng = new Rng(SEED);
  out.randomInt = Array.from({ length: DRAWS }, (_, i) => rng.int(i + 1));
  out.windowStart = STEPS.map((step) => sampleWindowStart(16000 + step * 997, 5120, 160, step + SEED));
  const args = { batchSize: 3, windowSamples: 1600, phones: false };
  out.batches = [];
  for (const step of STEPS) {
    const b = await batchAt(ds, SEED, step, args);
    (out.batches as unknown[]).push({ speakers: ints(b.speakers), x: hashTensor(b.x) });
    disposeBatch(b);
  }
  const probe = await probeWindows(ds, 1, SEED, 1600);
  out.probeWindows = hashTensor(probe.x);
  return out;
}

function visionStreams(): Streams {
  const out: Streams = {};
  out.mixSeed = STEPS.map((step) => visionMixSeed(SEED, step, 1));
  const rng = new Rng(visionMixSeed(SEED, 0, 1));
  out.uint32 = Array.from({ length: DRAWS }, () => rng.nextUint32());
  out.int = Array.from({ length: DRAWS }, (_, i) => rng.int(i + 2));
  out.bool = Array.from({ length: DRAWS }, () => rng.bool(0.3));
  out.permutation = Array.from(new Rng(SEED).permutation(12));
  const config = resolveVisionConfig('tiny', { seed: SEED, data: { hflip: true, cropPadding: 2 } });
  const batches = new TrainBatches(config, syntheticImages(40));
  out.batches = STEPS.map((step) => {
    const b = batches.at(step);
    const row = { indices: Array.from(batches.indices(step)), x: hashTensor(b.x), y: ints(b.y) };
    b.x.dispose();
    b.y.dispose();
    return row;
  });
  out.gratings = hashTensor(gratings(3, 16, SEED, [0, 1, 0]));
  return out;
}

function torchStreams(): Streams {
  const out: Streams = {};
  manualSeed(SEED);
  const neg = sampleNegatives({ population: 50, positives: 4, count: 5, groupSize: 3 });
  out.negatives = { pool: ints(neg.pool), pick: ints(neg.pick) };
  out.randint = ints(randint(0, 1000, [DRAWS]));
  manualSeed(SEED);
  const audio = resolveAudioConfig('tiny', { seed: SEED });
  out.audioInit = buildAudioModules(audio.model).map((m) => summariseWeights(m.namedParameters()));
  manualSeed(SEED);
  const vision = resolveVisionConfig('tiny', { seed: SEED });
  out.visionInit = buildVisionStackModules(vision, 10).map((m) => summariseWeights(m.namedParameters()));
  return out;
}

describe('random streams (reproduction guard)', () => {
  let actual: Streams;
  beforeAll(async () => {
    actual = { audio: await audioStreams(), vision: visionStreams(), torch: torchStreams() };
    if (process.env.GIM_WRITE_STREAMS === '1') writeFileSync(FIXTURE, JSON.stringify(actual, null, 1) + '\n');
  });
  const expected = (): Streams => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Streams;

  it('audio: seeds, uniforms, window starts and the batches of several steps are unchanged', () => {
    expect(actual.audio).toEqual(expected().audio);
  });
  it('vision: seeds, Rng draws, permutations, augmented batches and gratings are unchanged', () => {
    expect(actual.vision).toEqual(expected().vision);
  });
  it('libtorch: negatives, randint and the initial weights of the tiny audio and vision encoders are unchanged', () => {
    const { audioInit, visionInit, ...draws } = actual.torch as Record<string, unknown>;
    const want = expected().torch as Record<string, unknown>;
    expect(draws).toEqual({ negatives: want.negatives, randint: want.randint });
    expectSameWeights(audioInit as WeightSummary[][], want.audioInit as WeightSummary[][], 'audio');
    expectSameWeights(visionInit as WeightSummary[][], want.visionInit as WeightSummary[][], 'vision');
  });
});
