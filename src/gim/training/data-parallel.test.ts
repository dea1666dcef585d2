import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessGroup, TcpStore } from '../../tensor/index.js';
import { killAllRanks, runRanks } from '../../testing/ranks.js';
import { DataParallel } from './data-parallel.js';
import { gradientValues, parameterValues, replicaBatch, replicaStack } from './testing/replica-task.js';

const RANK_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing', 'data-parallel-rank.ts');
const STEPS = 4;

afterEach(() => killAllRanks());

function expectClose(actual: number[][], expected: number[][], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    expect(a.length).toBe(e.length);
    a.forEach((v, j) => expect(Math.abs(v - e[j]!), `tensor ${i}[${j}]: ${v} vs ${e[j]}`).toBeLessThan(tolerance));
  });
}

/** Single-process training on the whole batches: the reference replicas must match. */
function trainAlone(
  steps: number,
  split: boolean,
): { initial: number[][]; firstGradients: number[][]; firstLosses: number[]; params: number[][] } {
  const stack = replicaStack(1);
  const initial = parameterValues(stack);
  let firstGradients: number[][] = [];
  let firstLosses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const x = replicaBatch(step);
    if (split || step === 0) {
      const g = stack.computeGradients(x);
      if (step === 0) {
        firstGradients = gradientValues(stack);
        firstLosses = g.metrics.map((m) => m.loss);
      }
      stack.update(g.modules);
    } else stack.trainStep(x);
    x.dispose();
  }
  const params = parameterValues(stack);
  stack.dispose();
  return { initial, firstGradients, firstLosses, params };
}

describe('GradientIsolatedStack.computeGradients + update', () => {
  it('gives exactly what trainStep gives, and leaves no gradient behind', () => {
    expect(trainAlone(STEPS, true)).toEqual(trainAlone(STEPS, false));
    const stack = replicaStack(1);
    const x = replicaBatch(0);
    stack.update(stack.computeGradients(x).modules);
    expect(gradientValues(stack).every((g) => g.length === 0)).toBe(true);
    x.dispose();
    stack.dispose();
  });
});

describe('DataParallel', () => {
  it('a world of one replica trains as the stack alone', async () => {
    const store = TcpStore.create({ host: '127.0.0.1', port: 0, worldSize: 1, isMaster: true, timeoutMs: 5000 });
    const group = ProcessGroup.create({ store, rank: 0, worldSize: 1, timeoutMs: 5000 });
    const stack = replicaStack(1);
    try {
      const dp = new DataParallel(stack, { group });
      await dp.broadcastParameters();
      for (let step = 0; step < STEPS; step++) {
        const x = replicaBatch(step);
        await dp.trainStep(x);
        x.dispose();
      }
      expect(parameterValues(stack)).toEqual(trainAlone(STEPS, false).params);
    } finally {
      stack.dispose();
      group.close();
      store.close();
    }
  });

  it('2 replicas on half batches: identical parameters, equal to one process on the whole batches', async () => {
    const outcomes = await runRanks({ script: RANK_SCRIPT, worldSize: 2, env: { DP_STEPS: String(STEPS) } });
    for (const o of outcomes) {
      if (o.code !== 0 || o.result === null)
        throw new Error(`rank ${o.rank} exited ${o.code ?? o.signal}\n${o.stderr}`);
    }
    type Replica = {
      initial: number[][];
      firstGradients: number[][];
      firstMeanLosses: number[];
      params: number[][];
      losses: number[][];
    };
    const [r0, r1] = outcomes.map((o) => o.result as Replica);
    const alone = trainAlone(STEPS, false);
    // rank 1 built its stack from another seed: the broadcast from rank 0 made the replicas start equal
    expect(r1!.initial).toEqual(r0!.initial);
    expect(r0!.initial).toEqual(alone.initial);
    // the averaged gradients of the half batches are the gradients of the whole batch (Adam alone would hide a scale)
    expect(r1!.firstGradients).toEqual(r0!.firstGradients);
    expectClose(r0!.firstGradients, alone.firstGradients, 1e-6);
    // meanMetrics: the replicas' mean loss is the whole batch's loss
    expect(r1!.firstMeanLosses).toEqual(r0!.firstMeanLosses);
    expectClose([r0!.firstMeanLosses], [alone.firstLosses], 1e-6);
    expect(r0!.losses[0]).not.toEqual(r1!.losses[0]); // each replica saw its own half
    expect(r1!.params).toEqual(r0!.params);
    expect(r0!.params).not.toEqual(r0!.initial);
    expectClose(r0!.params, alone.params, 1e-5);
    for (const step of r0!.losses) for (const l of step) expect(Number.isFinite(l)).toBe(true);
  });
});

describe('DataParallel failures', () => {
  it.each([
    ['trainStep', '0'],
    ['computeGradients keeping the output (a pipeline stage)', '1'],
  ])(
    'a replica whose loss is not finite (%s): it throws its own error, the other names it at once',
    async (_, keep) => {
      const outcomes = await runRanks({
        script: RANK_SCRIPT,
        worldSize: 2,
        env: { DP_STEPS: '3', DP_NAN_AT: '1:1', DP_KEEP_OUTPUT: keep },
      });
      for (const o of outcomes) {
        if (o.code !== 0 || o.result === null)
          throw new Error(`rank ${o.rank} exited ${o.code ?? o.signal}\n${o.stderr}`);
      }
      const [f0, f1] = outcomes.map((o) => (o.result as { failure: Record<string, unknown> }).failure);
      expect(f1).toMatchObject({ name: 'NonFiniteLossError' });
      expect(f1!.error).toMatch(/^module 1: loss is NaN/);
      expect(f0).toMatchObject({ name: 'ReplicaStepError' });
      expect(f0!.error).toMatch(/replica \(rank 1\) failed to compute gradients/);
      expect(f0!.elapsedMs as number).toBeLessThan(10_000); // the group's timeout is 20 s
    },
  );
});
