import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { abs, arange, clone, manualSeed, max, randn, reshape, sub, tidy } from '../tensor/index.js';
import { ActivationCache } from './cache.js';
import { trainIterativeCached } from './iterative-cached.js';
import { ConvModule as TestConvModule } from './testing.js';
import { GradientIsolatedStack } from './stack.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-cache-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The fixture module with this file's InfoNCE settings. */
class ConvModule extends TestConvModule {
  constructor(inC: number, outC: number) {
    super(inC, outC, { predictionSteps: 2, negativeSamples: 4 });
  }
}

function tinyStack(): GradientIsolatedStack {
  manualSeed(7);
  return new GradientIsolatedStack([new ConvModule(2, 6), new ConvModule(6, 6), new ConvModule(6, 6)], { lr: 1e-2 });
}

const maxDiff = (a: GradientIsolatedStack, b: GradientIsolatedStack): number =>
  tidy(() => {
    const pa = a.modules.flatMap((m) => m.parameters());
    const pb = b.modules.flatMap((m) => m.parameters());
    return Math.max(...pa.map((p, i) => max(abs(sub(p.detach(), pb[i]!.detach()))).item()));
  });

describe('ActivationCache', () => {
  it('spills past its budget into chunk files and reads every batch back exactly', () => {
    const dir = path.join(tmp(), 'cache');
    const cache = new ActivationCache({ budgetBytes: 100 * 4, dir, chunkBytes: 300 });
    manualSeed(3);
    const xs = [
      randn([5, 10]),
      randn([3, 4, 5]),
      randn([7]),
      randn([2, 30]),
      reshape(arange(30, undefined, 1, { dtype: 'float64' }), [5, 6]),
    ];
    xs.forEach((x, i) => cache.put(i, x));
    expect(cache.memoryBytes).toBe(50 * 4 + 7 * 4); // batches 0 and 2 fit the budget
    expect(cache.diskBytes).toBe((60 + 60) * 4 + 30 * 8);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as ReturnType<
      ActivationCache['index']
    >;
    expect(Object.keys(index.entries).sort()).toEqual(['1', '3', '4']);
    expect(index.chunks.length).toBe(2); // 240 + 240 B (closed past 300 B), then 240 B
    expect(index.entries['3']).toMatchObject({ chunk: 0, offset: 240 });
    expect(index.entries['4']).toMatchObject({ chunk: 1, offset: 0 });
    expect(index.entries['4']!.dtype).toBe('float64');
    xs.forEach((x, i) =>
      tidy(() => {
        const y = cache.get(i);
        expect(y.shape).toEqual(x.shape);
        expect(y.dtype).toBe(x.dtype);
        expect(Array.from(y.data() as Float32Array)).toEqual(Array.from(x.data() as Float32Array));
      }),
    );
    expect(() => cache.get(9)).toThrow(/not cached/);
    cache.dispose();
    expect(fs.existsSync(dir)).toBe(false);
    for (const x of xs) x.dispose();
  });
});

describe('trainIterativeCached', () => {
  it('gives the same module updates as recomputing the frozen modules every step (memory and disk caches)', async () => {
    manualSeed(11);
    const xs = [0, 1, 2].map(() => randn([2, 2, 24]));
    const updates = [4, 5, 4]; // more updates than batches: several epochs over the cache
    const reference = tinyStack();
    manualSeed(5);
    for (let m = 0; m < 3; m++)
      for (let k = 0; k < updates[m]!; k++) reference.trainStep(xs[k % 3]!, { mode: 'iterative', trainModule: m });

    for (const budgetBytes of [1e9, 0]) {
      const stack = tinyStack();
      manualSeed(5);
      const seen: number[] = [];
      const dir = tmp();
      const r = await trainIterativeCached(
        stack,
        { count: 3, batch: (i) => ({ x: clone(xs[i]!), dispose() {} }) },
        {
          updates,
          dir,
          budgetBytes,
          onUpdate: (u) => void seen.push(u.module),
          onCache: (c) => expect(budgetBytes === 0 ? c.diskBytes : c.memoryBytes).toBe(3 * 2 * 6 * 24 * 4),
        },
      );
      expect(r).toEqual({ updates: 13, stopped: false });
      expect(seen).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
      expect(maxDiff(stack, reference)).toBe(0);
      expect(fs.existsSync(dir)).toBe(false); // caches and their folder removed
      stack.dispose();
    }
    reference.dispose();
    for (const x of xs) x.dispose();
  });
});
