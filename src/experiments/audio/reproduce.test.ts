import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetrics } from '../../report/index.js';
import { reproduceAudio } from './reproduce.js';
import { isCountOf, noteMeasurement } from '../../testing/learning.js';

const fixtureRoot = new URL('../../audio/data/fixtures/librispeech', import.meta.url).pathname;

describe('reproduce audio (tiny scale, fixture corpus)', () => {
  it('trains every row, probes baselines and ablations end to end, and writes the tables and Figure 4', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-repro-'));
    const r = await reproduceAudio({
      scale: 'tiny',
      runsRoot: path.join(dir, 'runs'),
      resultsDir: path.join(dir, 'results'),
      patch: { data: { root: fixtureRoot, synthSpeakers: 0 }, train: { steps: 2, checkpointEvery: 1 } },
      log: () => {},
    });
    const rows = Object.keys(r.rows);
    expect(rows).toEqual(
      expect.arrayContaining([
        'Random initialization',
        'MFCC features',
        'Supervised',
        'Greedy Supervised',
        'CPC',
        'Greedy InfoMax (GIM)',
        'GIM without BPTT',
        'GIM without g_ar',
        'CLAPP (beyond the paper)',
      ]),
    );
    noteMeasurement('reproduce audio data', { ...r.data });
    for (const [row, v] of Object.entries(r.rows)) {
      noteMeasurement(`reproduce audio ${row}`, { phone: v.phone ?? Number.NaN, speaker: v.speaker ?? Number.NaN });
      // one test window per test utterance: the speaker accuracy is a count of them
      expect(isCountOf(v.speaker!, r.data.testUtterances), `${row}: speaker ${v.speaker}`).toBe(true);
      // the phone accuracy counts labelled frames, whose number depends on each model's frame rate
      expect(v.phone, row).not.toBeNull();
      expect(v.phone! >= 0 && v.phone! <= 1, `${row}: phone ${v.phone}`).toBe(true);
    }
    expect(r.perLayerSpeaker.gim).toHaveLength(6);
    for (const acc of r.perLayerSpeaker.gim) expect(isCountOf(acc, r.data.testUtterances), `${acc}`).toBe(true);
    for (const f of ['table3.md', 'table4.md', 'figure4.png', 'figure4.svg', 'results.json']) {
      expect(fs.existsSync(path.join(dir, 'results', f)), f).toBe(true);
    }
    const table3 = fs.readFileSync(path.join(dir, 'results', 'table3.md'), 'utf8');
    expect(table3).toContain('| Greedy InfoMax (GIM)');
    expect(table3).toMatch(/\| CLAPP \(beyond the paper\) .*\| +— \|/); // beside GIM and CPC, no paper number
    // Each run logged every module's loss and left loadable checkpoints.
    const gim = readMetrics(path.join(dir, 'runs', 'gim', 'metrics.jsonl'));
    expect(new Set(gim.map((m) => m.module))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    expect(fs.readdirSync(path.join(dir, 'runs', 'gim', 'checkpoints'))).toContain('step-0000002.safetensors');
  }, 120_000);
});
