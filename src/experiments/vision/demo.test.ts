import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetrics } from '../../report/index.js';
import { runDemo } from './demo.js';
import { isCountOf } from '../../testing/learning.js';

const PROBE_TEST_IMAGES = 32;

describe('runDemo', () => {
  it('trains, probes trained vs random init per module, and reports what metrics.jsonl holds', async () => {
    const run = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gim-demo-')), 'run');
    const lines: string[] = [];
    const r = await runDemo({
      run,
      patch: {
        data: { maxTrain: 256, maxTest: 128 },
        train: { steps: 3, logEvery: 1, batchSize: 4 },
        probe: { epochs: 2, maxTrain: 64, maxTest: PROBE_TEST_IMAGES },
      },
      log: (line) => lines.push(line),
    });
    expect(r.outcome).toBe('finished');
    expect(r.modules.map((m) => m.module)).toEqual(['module1', 'module2', 'module3']);
    const metrics = readMetrics(path.join(run, 'metrics.jsonl'));
    r.modules.forEach((m, index) => {
      const losses = metrics.filter((rec) => rec.module === index).map((rec) => rec.loss);
      expect(losses).toHaveLength(3);
      expect(m.firstLoss).toBe(losses[0]);
      expect(m.lastLoss).toBe(losses[2]);
      expect(m.chanceLoss).toBeCloseTo(Math.log(17), 12);
      // accuracies are counts out of the 32 test images
      expect(isCountOf(m.trained, PROBE_TEST_IMAGES), `trained ${m.trained}`).toBe(true);
      expect(isCountOf(m.random, PROBE_TEST_IMAGES), `random ${m.random}`).toBe(true);
    });
    expect(fs.readdirSync(path.join(run, 'checkpoints'))).toContain('step-0000003.safetensors');
    expect(lines.join('\n')).toContain('probe: random init');
  });
});
