import { describe, expect, it } from 'vitest';
import { formatOpTimes, profileOps } from './profile.js';
import { matmul, randn, relu, sum, tidy } from './index.js';

describe('profileOps', () => {
  it('counts the operators and backward nodes that ran, with self time within total', () => {
    const { result, ops } = profileOps(() =>
      tidy(() => {
        const a = randn([64, 32]).requireGrad();
        const b = randn([32, 16]);
        const y = sum(relu(matmul(a, b)));
        y.backward();
        return y.item();
      }),
    );
    expect(Number.isFinite(result)).toBe(true);
    const byName = new Map(ops.map((o) => [o.name, o]));
    expect(byName.get('aten::relu')?.count).toBe(1);
    expect(byName.get('aten::mm')?.count).toBeGreaterThanOrEqual(2); // forward and the gradient of a
    expect(byName.has('MmBackward0')).toBe(true);
    for (const o of ops) {
      expect(o.selfMs).toBeLessThanOrEqual(o.totalMs + 1e-9);
      expect(o.selfMs).toBeGreaterThanOrEqual(-1e-9);
    }
    for (let i = 1; i < ops.length; i++) expect(ops[i]!.selfMs).toBeLessThanOrEqual(ops[i - 1]!.selfMs);
    expect(formatOpTimes(ops, 3).split('\n')).toHaveLength(4);
  });

  it('stops when the profiled code throws, and records nothing afterwards', () => {
    expect(() =>
      profileOps(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    // Profiling again works (the first one was stopped), and sees only its own operators.
    const { ops } = profileOps(() => tidy(() => relu(randn([4]))));
    expect(ops.map((o) => o.name)).not.toContain('aten::mm');
    expect(ops.map((o) => o.name)).toContain('aten::relu');
  });
});
