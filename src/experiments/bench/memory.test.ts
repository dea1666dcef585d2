import { describe, expect, it } from 'vitest';
import { TINY_VISION_ENCODER } from '../../vision/model/index.js';
import { depthCases, familyReport, measure, tableCases } from './memory.js';

describe('gim bench memory', () => {
  it('measures one tiny configuration in a fresh process: a positive peak above the baseline', async () => {
    const r = await measure({
      family: 'vision',
      variant: 'gim-all',
      batch: 2,
      imageSize: 32,
      encoder: TINY_VISION_ENCODER,
      steps: 1,
      threads: 1,
    });
    expect(r.method).toBe('clear_refs'); // Linux: writing 5 to /proc/self/clear_refs resets VmHWM
    expect(r.baselineMB).toBeGreaterThan(0);
    expect(r.peakMB).toBeGreaterThan(r.baselineMB);
    expect(r.deltaMB).toBeCloseTo(r.peakMB - r.baselineMB, 9);
    expect(r.stepSeconds).toHaveLength(1);
    expect(r.parameters).toBeGreaterThan(0);
  });

  it('lists Table 2’s cases per family and reports the ratio to CPC', () => {
    const vision = tableCases('vision', 'paper', 1, 2);
    expect(vision.map((c) => c.paperGB ?? null)).toEqual([6.3, 7.7, 7.0, 2.5, null, null, null, null]);
    expect(vision[0]!.spec).toMatchObject({ batch: 32, imageSize: 64, steps: 1 });
    expect(tableCases('audio', 'paper', 2, 2)).toHaveLength(4 + 2 * 5);
    expect(depthCases('small', 1, 1)).toHaveLength(3 * 4);
    const result = (deltaMB: number) => ({
      baselineMB: 100,
      peakMB: 100 + deltaMB,
      deltaMB,
      stepSeconds: [1],
      parameters: 1,
      method: 'clear_refs' as const,
    });
    const rows = vision.slice(0, 4).map((c, i) => ({ ...c, result: result([630, 770, 700, 250][i]!) }));
    const md = familyReport('vision', rows);
    expect(md).toMatch(/GIM module 1 alone \/ CPC \|\s+0\.32 \|\s+0\.40 \|\s+0\.32 \|/);
  });
});
