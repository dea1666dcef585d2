import { describe, expect, it } from 'vitest';
import { liveTensors, manualSeed, mean, mul, randn, relu, tidy, transpose } from '../tensor/index.js';
import { Adam } from './adam.js';
import { Conv1d } from './conv.js';
import { GRU } from './gru.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

/** Conv1d → relu → GRU → Linear, a miniature of the audio encoder + autoregressor. */
class Tiny extends Module {
  readonly conv = this.registerModule('conv', new Conv1d(1, 8, 5, { stride: 2 }));
  readonly rnn = this.registerModule('rnn', new GRU(8, 16, { batchFirst: true }));
  readonly head = this.registerModule('head', new Linear(16, 4));
}

const gc = (globalThis as { gc?: () => void }).gc;
const rssMB = (): number => {
  gc?.();
  return process.memoryUsage().rss / 2 ** 20;
};

describe('memory', () => {
  it('500 Adam steps inside tidy keep the live-tensor count constant and RSS flat', () => {
    manualSeed(1);
    const m = new Tiny();
    const opt = new Adam(m, { lr: 1e-3 });
    let live10 = -1;
    let rss100 = 0;
    let first = 0;
    let last = 0;
    for (let step = 1; step <= 500; step++) {
      const loss = tidy(() => {
        opt.zeroGrad();
        const x = randn([4, 1, 64]); // [B, C, T]
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
      if (step === 100) rss100 = rssMB();
    }
    expect(liveTensors()).toBe(live10);
    const growth = rssMB() - rss100;
    expect(growth, `RSS grew ${growth.toFixed(1)} MB`).toBeLessThan(20);
    expect(last).toBeLessThan(first); // it trained: outputs are pushed towards 0
    const [before, n] = [liveTensors(), m.parameters().length];
    opt.dispose();
    m.dispose();
    expect(liveTensors()).toBe(before - 3 * n); // parameters, exp_avg, exp_avg_sq
  });
});
