import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// checkpoint.ts is not re-exported from src/tensor/index.ts (see the report); tests import it directly.
import { loadCheckpointSync, saveCheckpointSync } from '../tensor/index.js';
import {
  getRngState,
  manualSeed,
  mean,
  mul,
  randn,
  relu,
  setRngState,
  tidy,
  transpose,
  type Tensor,
} from '../tensor/index.js';
import { Adam } from './adam.js';
import { Conv1d } from './conv.js';
import { GRU } from './gru.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { moduleAndOptimizerState, restoreModuleAndOptimizer } from './state.js';

class Model extends Module {
  readonly conv = this.registerModule('conv', new Conv1d(2, 4, 3, { padding: 1 }));
  readonly rnn = this.registerModule('rnn', new GRU(4, 3, { batchFirst: true }));
  readonly head = this.registerModule('head', new Linear(3, 1));
  forward(x: Tensor): Tensor {
    const h = transpose(relu(this.conv.forward(x)), 1, 2); // [B, C, T] → [B, T, C]
    return this.head.forward(this.rnn.forward(h)[0]);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'gim-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bits = (t: Tensor): Buffer => Buffer.from(t.data().buffer);

function trainStep(m: Model, opt: Adam): void {
  tidy(() => {
    opt.zeroGrad();
    const x = randn([2, 2, 6]); // [B, C, T], drawn from the global generator
    mean(mul(m.forward(x), m.forward(x))).backward();
    opt.step();
  });
}

describe('moduleAndOptimizerState / restoreModuleAndOptimizer', () => {
  it('module + Adam + RNG state survive a checkpoint bit for bit, and training continues identically', () => {
    manualSeed(7);
    const a = new Model();
    const optA = new Adam(a, { lr: 0.01, weightDecay: 1e-4 });
    for (let i = 0; i < 3; i++) trainStep(a, optA);
    const path = join(dir, 'run.safetensors');
    const rngState = getRngState();
    tidy(() =>
      saveCheckpointSync(path, {
        tensors: moduleAndOptimizerState(a, optA),
        metadata: { config: { preset: 'test' }, step: optA.stepCount, rngState },
      }),
    );
    // The draw that follows the save, then rewind and continue uninterrupted.
    const nextRef = randn([8]);
    setRngState(rngState);
    for (let i = 0; i < 3; i++) trainStep(a, optA);

    // Fresh model and optimizer (different init, different hyperparameters), restored from the file.
    manualSeed(99);
    const b = new Model();
    const optB = new Adam(b, { lr: 1 });
    const ck = loadCheckpointSync(path);
    expect(ck.step).toBe(3);
    expect(ck.config).toEqual({ preset: 'test' });
    expect([...ck.tensors.keys()]).toContain('model.rnn.weight_hh_l0');
    expect([...ck.tensors.keys()]).toContain('optim.7.exp_avg_sq');
    restoreModuleAndOptimizer(ck.tensors, b, optB);
    setRngState(ck.rngState!);
    for (const t of ck.tensors.values()) t.dispose();
    expect(optB.hyper).toEqual(optA.hyper);
    expect(optB.stepCount).toBe(3);
    // The generator continues exactly where the saved run left it.
    const probe = randn([8]);
    expect(bits(probe).equals(bits(nextRef))).toBe(true);
    setRngState(ck.rngState!);
    for (let i = 0; i < 3; i++) trainStep(b, optB);
    for (const [k, t] of a.stateDict()) expect(bits(b.stateDict().get(k)!).equals(bits(t)), k).toBe(true);
    const sa = optA.stateDict();
    const sb = optB.stateDict();
    sa.expAvgSq.forEach((t, i) => expect(bits(sb.expAvgSq[i]!).equals(bits(t))).toBe(true));
    for (const t of [probe, nextRef]) t.dispose();
    for (const x of [a, b, optA, optB]) x.dispose();
  });

  it('restores a module alone, and rejects incomplete optimizer state without changing anything', () => {
    const a = new Linear(3, 2);
    const b = new Linear(3, 2);
    const opt = new Adam(b);
    tidy(() => {
      restoreModuleAndOptimizer(moduleAndOptimizerState(a), b);
      expect(bits(b.weight).equals(bits(a.weight))).toBe(true);
      const fresh = new Linear(3, 2);
      const withOpt = moduleAndOptimizerState(fresh, new Adam(fresh));
      withOpt.delete('optim.lr');
      expect(() => restoreModuleAndOptimizer(withOpt, b, opt)).toThrow(/missing 'optim.lr'/);
      expect(bits(b.weight).equals(bits(a.weight))).toBe(true);
      fresh.dispose();
    });
    for (const x of [a, b, opt]) x.dispose();
  });
});
