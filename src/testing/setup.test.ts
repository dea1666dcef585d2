import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConvModule } from '../gim/testing.js';
import { GradientIsolatedStack } from '../gim/stack.js';
import { getNumThreads, isGradEnabled, liveTensors, manualSeed, rand, randn } from '../tensor/index.js';
import { DEFAULT_TEST_SEED, DEFAULT_TEST_THREADS, readTestEnv, SEED_STRIDE, testSeed } from './env.js';
import { isCountOf, loggedFall, meanOf, measured, moduleLosses, noteMeasurement, relativeFall } from './learning.js';

describe('test environment', () => {
  it('the setup file pinned libtorch and OpenMP to GIM_TEST_THREADS', () => {
    const { threads } = readTestEnv();
    expect(getNumThreads()).toBe(threads);
    expect(process.env.OMP_NUM_THREADS).toBe(String(threads));
  });

  it('reads GIM_TEST_THREADS and GIM_TEST_SEED, with defaults, and names a bad value', () => {
    expect(readTestEnv({})).toEqual({ threads: DEFAULT_TEST_THREADS, seed: DEFAULT_TEST_SEED, report: null });
    expect(readTestEnv({ GIM_TEST_THREADS: '1', GIM_TEST_SEED: '3', GIM_TEST_REPORT: '/tmp/r' })).toEqual({
      threads: 1,
      seed: 3,
      report: '/tmp/r',
    });
    expect(() => readTestEnv({ GIM_TEST_THREADS: '0' })).toThrow(/GIM_TEST_THREADS must be an integer ≥ 1, got '0'/);
    expect(() => readTestEnv({ GIM_TEST_THREADS: '1.5' })).toThrow(/GIM_TEST_THREADS/);
    expect(() => readTestEnv({ GIM_TEST_SEED: '-1' })).toThrow(/GIM_TEST_SEED must be an integer ≥ 0, got '-1'/);
    expect(() => readTestEnv({ GIM_TEST_SEED: 'two' })).toThrow(/GIM_TEST_SEED/);
  });

  it('testSeed moves a base seed by GIM_TEST_SEED strides, and keeps it at seed 0', () => {
    expect(testSeed(4, { threads: 1, seed: 0, report: null })).toBe(4);
    expect(testSeed(4, { threads: 1, seed: 2, report: null })).toBe(4 + 2 * SEED_STRIDE);
  });
});

describe('learning-test helpers', () => {
  it('measured: the same draws every time, no gradient, no leaked tensors, and the run’s generator untouched', () => {
    manualSeed(7);
    const live = liveTensors();
    const draw = () => measured(() => ({ grad: isGradEnabled(), x: rand([4]).toArray() }));
    const a = draw();
    const b = draw();
    expect(a.grad).toBe(false);
    expect(isGradEnabled()).toBe(true);
    expect(b.x).toEqual(a.x);
    expect(liveTensors()).toBe(live);
    const withMeasure = rand([3]).toArray();
    manualSeed(7);
    const without = rand([3]).toArray();
    expect(withMeasure).toEqual(without);
  });

  it('moduleLosses: one loss per module, the same before and after if nothing trained, lower after training', () => {
    manualSeed(testSeed(1));
    const infoNCE = { predictionSteps: 2, negativeSamples: 4 };
    const stack = new GradientIsolatedStack([new ConvModule(2, 8, infoNCE), new ConvModule(8, 8, infoNCE)], {
      lr: 1e-2,
    });
    const x = randn([2, 2, 24]);
    const before = moduleLosses(stack, x);
    expect(before).toHaveLength(2);
    expect(moduleLosses(stack, x)).toEqual(before);
    for (let i = 0; i < 20; i++) stack.trainStep(x, { mode: 'simultaneous' });
    const after = moduleLosses(stack, x);
    for (const m of [0, 1]) expect(relativeFall(before[m]!, after[m]!), `module ${m}`).toBeGreaterThan(0);
  });

  it('noteMeasurement appends one JSON line per call to GIM_TEST_REPORT, and nothing without it', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gim-test-report-')), 'report.jsonl');
    noteMeasurement('x', { fall: 0.5 }, { threads: 1, seed: 2, report: null });
    expect(fs.existsSync(file)).toBe(false);
    noteMeasurement('x', { fall: 0.5 }, { threads: 1, seed: 2, report: file });
    noteMeasurement('y', { accuracy: 1 }, { threads: 1, seed: 2, report: file });
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ test: 'x', threads: 1, seed: 2, fall: 0.5 });
    expect(lines[1]).toMatchObject({ test: 'y', accuracy: 1 });
    fs.rmSync(path.dirname(file), { recursive: true });
  });

  it('relativeFall, meanOf, loggedFall and isCountOf', () => {
    expect(relativeFall(2, 1.5)).toBeCloseTo(0.25, 12);
    expect(relativeFall(-2, -3)).toBeCloseTo(0.5, 12);
    expect(relativeFall(1, 1.2)).toBeLessThan(0);
    expect(() => relativeFall(Number.NaN, 1)).toThrow(/finite/);
    expect(() => relativeFall(0, 1)).toThrow(/is 0/);
    expect(meanOf([1, 2, 6])).toBe(3);
    expect(loggedFall([2, 2, 9, 1, 1], 2)).toBeCloseTo(0.5, 12);
    expect(() => loggedFall([2, 2, 1], 2)).toThrow(/two windows of 2 losses, got 3/);
    expect(() => meanOf([])).toThrow(/empty/);
    expect(isCountOf(5 / 32, 32)).toBe(true);
    expect(isCountOf(0, 32)).toBe(true);
    expect(isCountOf(1, 32)).toBe(true);
    expect(isCountOf(0.1, 32)).toBe(false);
    expect(isCountOf(33 / 32, 32)).toBe(false);
    expect(isCountOf(-1 / 32, 32)).toBe(false);
    expect(isCountOf(Number.NaN, 32)).toBe(false);
    expect(() => isCountOf(0.5, 0)).toThrow(/positive integer/);
  });
});
