import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { liveTensors, manualSeed, mean, mul, randn, relu, tidy, transpose } from '../tensor/index.js';
import { Adam } from './adam.js';
import { Conv1d } from './conv.js';
import { GRU } from './gru.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { testSeed } from '../testing/env.js';
import { noteMeasurement } from '../testing/learning.js';

/** Conv1d → relu → GRU → Linear, a miniature of the audio encoder + autoregressor. */
class Tiny extends Module {
  readonly conv = this.registerModule('conv', new Conv1d(1, 8, 5, { stride: 2 }));
  readonly rnn = this.registerModule('rnn', new GRU(8, 16, { batchFirst: true }));
  readonly head = this.registerModule('head', new Linear(16, 4));
}

v8.setFlagsFromString('--expose-gc');
/** V8's collector, exposed so that each RSS reading follows a full collection. */
const gc = vm.runInNewContext('gc') as () => void;
const rssMB = (): number => {
  gc();
  return process.memoryUsage().rss / 2 ** 20;
};

const BATCH = 4;
const SAMPLES = 64;
/** Steps before the first RSS reading: allocator arenas, thread pools and JIT warm up here. */
const WARMUP_STEPS = 100;
/** Steps in each of the two windows whose RSS growth is compared. */
const WINDOW_STEPS = 200;
/**
 * A flat process grows less in the second window than a generous share of the first (warm-up that settles), plus a
 * noise floor relative to the process's size; a steady leak grows as much in both windows and fails once it exceeds
 * that floor.
 */
const SECOND_WINDOW_SHARE = 0.5;
const NOISE_SHARE_OF_RSS = 0.05;

describe('memory', () => {
  it('500 Adam steps inside tidy keep the live-tensor count constant and RSS flat', () => {
    manualSeed(testSeed(1));
    const m = new Tiny();
    const opt = new Adam(m, { lr: 1e-3 });
    let live10 = -1;
    const rss: number[] = []; // at the end of the warm-up and of each window
    let first = 0;
    let last = 0;
    const steps = WARMUP_STEPS + 2 * WINDOW_STEPS;
    for (let step = 1; step <= steps; step++) {
      const loss = tidy(() => {
        opt.zeroGrad();
        const x = randn([BATCH, 1, SAMPLES]); // [B, C, T]
        const h = relu(m.conv.forward(x)); // [B, 8, 30]
        const [out] = m.rnn.forward(transpose(h, 1, 2)); // [B, 30, 16]
        const y = m.head.forward(out); // [B, 30, 4]
        const l = mean(mul(y, y));
        l.backward();
        void m.head.weight.grad; // a fresh handle each read, owned by this tidy
        opt.step();
        return l.item();
      });
      if (step === 1) first = loss;
      last = loss;
      if (step === 10) live10 = liveTensors();
      if (step >= WARMUP_STEPS && (step - WARMUP_STEPS) % WINDOW_STEPS === 0) rss.push(rssMB());
    }
    expect(liveTensors()).toBe(live10);
    const [start, middle, end] = rss as [number, number, number];
    const [growth1, growth2] = [middle - start, end - middle];
    noteMeasurement('leak RSS', { start, growth1, growth2 });
    const bound = SECOND_WINDOW_SHARE * Math.max(growth1, 0) + NOISE_SHARE_OF_RSS * start;
    expect(
      growth2,
      `RSS ${start.toFixed(1)} MB, grew ${growth1.toFixed(1)} then ${growth2.toFixed(1)} MB`,
    ).toBeLessThan(bound);
    expect(last).toBeLessThan(first); // it trained: outputs are pushed towards 0
    const [before, n] = [liveTensors(), m.parameters().length];
    opt.dispose();
    m.dispose();
    expect(liveTensors()).toBe(before - 3 * n); // parameters, exp_avg, exp_avg_sq
  });
});
