/**
 * Real speech end to end at tiny scale, on a corpus built from a fake package tree: the audio-real-tiny preset trains
 * and is probed for speakers (phone probes refused), and `reproduce real-speech` writes the real column of Table 3,
 * Figure 4 on real speech and the cross-corpus table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { buildRealSpeechCorpus } from '../../audio/data/real-speech.js';
import { writeFakeVoicePackages } from '../../audio/data/testing/fake-voice-packages.js';
import { buildProgram } from '../../cli/program.js';
import { isCountOf } from '../../testing/learning.js';
import { reproduceAudio } from './reproduce.js';
import { reproduceRealSpeech } from './reproduce-real.js';

const FIXTURES = new URL('../../audio/data/fixtures/librispeech', import.meta.url).pathname;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-real-repro-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});
const realRoot = path.join(tmp, 'real');
const built = buildRealSpeechCorpus({
  out: realRoot,
  roots: writeFakeVoicePackages(path.join(tmp, 'packages')),
  minClips: 3,
  jobs: 1,
});

function program() {
  const p = buildProgram();
  for (const c of [p, ...p.commands]) c.exitOverride().configureOutput({ writeErr: () => undefined });
  return p;
}

describe('real speech at tiny scale', () => {
  it('gim train --preset audio-real-tiny, then gim eval --probe speaker; --probe phone is refused', async () => {
    const corpus = await built;
    const run = path.join(tmp, 'run');
    const root = `data.root=${realRoot}`;
    await program().parseAsync(
      ['train', '--preset', 'audio-real-tiny', '--run', run, '--set', root, '--set', 'train.steps=2'],
      {
        from: 'user',
      },
    );
    expect(process.exitCode).toBe(0);
    await program().parseAsync(['eval', '--run', run, '--probe', 'speaker', '--layer', 'all'], { from: 'user' });
    const out = JSON.parse(fs.readFileSync(path.join(run, 'eval-speaker.json'), 'utf8')) as {
      accuracy: Record<string, number>;
    };
    expect(Object.keys(out.accuracy)).toHaveLength(6);
    for (const acc of Object.values(out.accuracy)) expect(isCountOf(acc, corpus.testClips), `${acc}`).toBe(true);
    await expect(program().parseAsync(['eval', '--run', run, '--probe', 'phone'], { from: 'user' })).rejects.toThrow(
      /no phone labels/,
    );
  }, 120_000);

  it('reproduce real-speech: every row, the transfer both ways, Figure 4 on real speech, the real column of Table 3', async () => {
    const corpus = await built;
    const runsRoot = path.join(tmp, 'runs');
    const resultsDir = path.join(tmp, 'results');
    const steps = { train: { steps: 2, checkpointEvery: 1 } };
    const synthetic = { data: { root: FIXTURES, synthSpeakers: 0 } };
    const common = { scale: 'tiny' as const, runsRoot, resultsDir, log: () => {} };
    const a = await reproduceAudio({ ...common, patch: { ...steps, ...synthetic } });
    expect(fs.readFileSync(path.join(resultsDir, 'table3.md'), 'utf8')).not.toContain('Speaker (real)');
    const r = await reproduceRealSpeech({
      ...common,
      patch: steps,
      realPatch: { data: { root: realRoot } },
      syntheticPatch: synthetic,
    });
    expect(r.data.real.testUtterances).toBe(corpus.testClips);
    expect(r.data.real.speakers).toBe(corpus.voices.length);
    expect(r.data.real.shorterThanWindow).toBe(1); // 0.3 s tones (4800 samples) are shorter than the tiny window (5120)
    expect(r.data.synthetic.shorterThanWindow).toBeLessThan(1);

    expect(Object.keys(r.rows)).toEqual([
      'Random initialization',
      'MFCC features',
      'Supervised',
      'Greedy Supervised',
      'CPC',
      'Greedy InfoMax (GIM)',
    ]);
    for (const [row, acc] of Object.entries(r.rows)) {
      if (row === 'Greedy Supervised') expect(acc).toBeNull();
      else expect(isCountOf(acc!, corpus.testClips), `${row}: ${acc}`).toBe(true);
    }
    expect(r.perLayerSpeaker.gim).toHaveLength(6);
    for (const run of ['gim', 'cpc']) {
      for (const from of ['synthetic', 'real'] as const) {
        const by = r.transfer[run]![from];
        expect(isCountOf(by.real, corpus.testClips), `${run} ${from} → real`).toBe(true);
        expect(isCountOf(by.synthetic, a.data.testUtterances), `${run} ${from} → synthetic`).toBe(true);
      }
    }
    // the synthetic encoder probed on its own corpus is the row reproduce audio reported
    expect(r.transfer.cpc!.synthetic.synthetic).toBe(a.rows.CPC!.speaker);
    expect(r.transfer.gim!.synthetic.synthetic).toBe(a.rows['Greedy InfoMax (GIM)']!.speaker);
    // the synthetic GIM and CPC runs of reproduce audio were reused, not trained again
    expect(Object.keys(r.seconds.runs).sort()).toEqual(['real/cpc', 'real/gim', 'real/supervised-speaker']);
    for (const f of ['real-speech.md', 'transfer.md', 'figure4-real.png', 'real-results.json'])
      expect(fs.existsSync(path.join(resultsDir, f)), f).toBe(true);
    const table3 = fs.readFileSync(path.join(resultsDir, 'table3.md'), 'utf8');
    expect(table3).toContain('Speaker (real)');
    expect(table3).toMatch(/voice and language coincide/);
    expect(fs.readFileSync(path.join(resultsDir, 'real-speech.md'), 'utf8')).toMatch(/voice and language coincide/);
    expect(fs.readFileSync(path.join(resultsDir, 'table4.md'), 'utf8')).not.toContain('Speaker (real)');
  }, 300_000);
});
