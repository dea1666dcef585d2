import { describe, expect, it } from 'vitest';
import { contiguousGroups, layoutsFor, predict, ringAllreduceSeconds, type ModuleCost } from './scaling-model.js';

const modules: ModuleCost[] = [
  { name: 'a', computeSeconds: 1, activationBytes: 100, parameterBytes: 10 },
  { name: 'b', computeSeconds: 2, activationBytes: 50, parameterBytes: 40 },
  { name: 'c', computeSeconds: 1, activationBytes: 10, parameterBytes: 20 },
];

describe('distributed scaling model', () => {
  it('ring allreduce moves 2(R−1)/R of the bytes', () => {
    expect(ringAllreduceSeconds(100, 1, 10)).toBe(0);
    expect(ringAllreduceSeconds(100, 2, 10)).toBeCloseTo(10);
    expect(ringAllreduceSeconds(100, 4, 10)).toBeCloseTo(15);
  });

  it('enumerates contiguous groupings', () => {
    expect(contiguousGroups(3, 1)).toEqual([[[0, 2]]]);
    expect(contiguousGroups(3, 3)).toEqual([
      [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
    ]);
    expect(contiguousGroups(4, 2)).toHaveLength(3);
    expect(contiguousGroups(2, 3)).toEqual([]);
  });

  it('one machine runs the whole stack', () => {
    const p = predict(modules, { stages: 1, replicas: 1 }, 8, 1e12)!;
    expect(p.samplesPerSecond).toBeCloseTo(8 / 4);
    expect(p.bound).toBe('compute');
  });

  it('a pipeline is as fast as its slowest stage; a slow link binds it', () => {
    const fast = predict(modules, { stages: 3, replicas: 1 }, 8, 1e12)!;
    expect(fast.samplesPerSecond).toBeCloseTo(8 / 2);
    const slow = predict(modules, { stages: 3, replicas: 1 }, 8, 10)!; // module a's 100 bytes take 10 s
    expect(slow.samplesPerSecond).toBeCloseTo(8 / 10);
    expect(slow.bound).toBe('communication');
  });

  it('the best two-stage grouping balances compute', () => {
    const p = predict(modules, { stages: 2, replicas: 1 }, 8, 1e12)!;
    expect(p.samplesPerSecond).toBeCloseTo(8 / 3);
  });

  it('data-parallel adds the allreduce of every parameter', () => {
    const p = predict(modules, { stages: 1, replicas: 2 }, 8, 70)!; // 70 bytes allreduced at 70 B/s: 1 s
    expect(p.samplesPerSecond).toBeCloseTo(16 / 5);
  });

  it('lists the layouts of M machines', () => {
    const names = layoutsFor(4, 3).map((l) => [l.name, l.layouts.length]);
    expect(names).toEqual([
      ['data-parallel', 1],
      ['pipeline', 0],
      ['both (best split)', 2],
    ]);
  });
});
