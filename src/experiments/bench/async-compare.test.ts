/** compareAsync at tiny scale on a 3-speaker synthetic corpus (skipped without flite, sox, flac, fortunes). */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSpeechCorpus } from '../../audio/data/synth.js';
import { DEFAULT_FORTUNES_DIR } from '../../audio/data/synth-text.js';
import { missingTools } from '../../audio/data/synth-tools.js';
import { readTestEnv } from '../../testing/env.js';
import { openAudioData } from '../audio/experiment.js';
import { resolveAudioConfig } from '../audio/config.js';
import { compareAsync } from './async-compare.js';
import { isCountOf, noteMeasurement } from '../../testing/learning.js';

const missing: string[] = await missingTools();
if (!existsSync(join(DEFAULT_FORTUNES_DIR, 'fortunes'))) missing.push('fortunes');
const dir = mkdtempSync(join(tmpdir(), 'gim-async-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(missing.length > 0)('compareAsync', () => {
  it('trains simultaneous and async (equal steps, equal wall time), probes the last module, writes the report', async () => {
    const root = join(dir, 'corpus');
    await buildSpeechCorpus({ out: root, seed: 5, speakers: 3, utterancesPerSpeaker: 2, maxWords: 8 });
    const config = resolveAudioConfig('tiny', {
      threads: readTestEnv().threads,
      data: { root },
      train: { steps: 4, logEvery: 2, checkpointEvery: 2 },
    });
    const data = await openAudioData(config, true);
    const out = join(dir, 'async.md');
    const { rows, probes } = await compareAsync(config, data, { runs: join(dir, 'runs'), out, log: () => undefined });
    expect(rows.map((r) => r.label)).toEqual(['simultaneous', 'async, equal steps', 'async, equal wall time']);
    expect(rows[1]!.steps).toEqual(Array(6).fill(4));
    expect(probes).toEqual(['speaker', 'phone']);
    for (const r of rows) {
      expect(r.samplesPerSec).toHaveLength(6);
      const { speaker, phone } = r.accuracy;
      noteMeasurement(`async compare ${r.label}`, { speaker: speaker!, phone: phone! });
      // one test window per test utterance: the speaker accuracy is a count of them
      expect(isCountOf(speaker!, data.test.size), `${r.label}: speaker ${speaker}`).toBe(true);
      expect(phone! >= 0 && phone! <= 1, `${r.label}: phone ${phone}`).toBe(true);
      expect(r.staleness?.[0]?.max ?? 0).toBe(0); // module 1 reads fresh batches
    }
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('| async, equal wall time');
    expect(md).toContain('staleness mean (max)');
    expect(md).toContain('## Audio (audio-tiny)');
  });
});
