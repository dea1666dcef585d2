/** gim pack and --from: a tiny run packed, read back like the run (bit for bit), evaluated; unsafe archives refused. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { create, list } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildProgram } from '../cli/program.js';
import { readSafetensorsSync } from '../tensor/safetensors.js';
import { loadEncoder } from './encoder.js';
import { evaluateRun } from './run-eval.js';
import { unpackModel } from './pack.js';

const FIXTURES = new URL('../audio/data/fixtures/librispeech', import.meta.url).pathname;
const FLAC = path.join(FIXTURES, 'train-clean-100/19/198/19-198-0001.flac');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-pack-test-'));
const run = path.join(tmp, 'audio-tiny');
const packed = path.join(tmp, 'model.gim.tgz');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const gim = async (...argv: string[]): Promise<void> => {
  await buildProgram().exitOverride().parseAsync(argv, { from: 'user' });
};

/** Every entry name of a .tgz. */
async function entries(file: string): Promise<string[]> {
  const names: string[] = [];
  await list({ file, onReadEntry: (entry) => void names.push(entry.path) });
  return names;
}

describe('gim pack', () => {
  beforeAll(async () => {
    const steps = ['--set', 'train.steps=2', '--set', 'train.checkpointEvery=2'];
    await gim('train', '--preset', 'audio-tiny', '--run', run, '--set', `data.root=${FIXTURES}`, ...steps);
    await gim('eval', '--run', run, '--probe', 'speaker');
    await gim('pack', '--run', run, '--out', packed);
  });

  it('holds the config, weights without optimizer state and a model card with the probe accuracies', async () => {
    expect((await entries(packed)).sort()).toEqual(
      ['MODEL.md', 'checkpoints/step-0000002.safetensors', 'config.json', 'eval-speaker.json', 'model.json'].sort(),
    );
    const dir = await unpackModel(packed);
    try {
      const keys = [...readSafetensorsSync(path.join(dir, 'checkpoints/step-0000002.safetensors')).tensors.keys()];
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => /^module\d+\.model\./.test(k))).toBe(true);
      const card = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
      expect(card).toMatchObject({ experiment: 'audio', step: 2, dataRoot: FIXTURES, name: 'audio-tiny' });
      const batch = (
        JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')) as { train: { batchSize: number } }
      ).train.batchSize;
      expect(card).toMatchObject({ dataset: 'speech in the LibriSpeech layout', batchSize: batch });
      expect(fs.readFileSync(path.join(dir, 'MODEL.md'), 'utf8')).toContain(`2 steps of ${batch} windows`);
      expect(Object.keys((card.probes as { speaker: { accuracy: object } }).speaker.accuracy)).toEqual(['module6']);
      expect(fs.readFileSync(path.join(dir, 'MODEL.md'), 'utf8')).toContain('| module6 |');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await expect(gim('pack', '--run', run, '--out', packed)).rejects.toThrow(`${packed}: exists`);
  });

  it('embed --from the pack equals embed --run, bit for bit', async () => {
    const fromRun = path.join(tmp, 'run.npy');
    const fromPack = path.join(tmp, 'pack.npy');
    await gim('embed', '--run', run, '--input', FLAC, '--out', fromRun, '--pool', 'none');
    await gim('embed', '--from', packed, '--input', FLAC, '--out', fromPack, '--pool', 'none');
    expect(fs.readFileSync(fromPack)).toEqual(fs.readFileSync(fromRun));
    const encoder = await loadEncoder({ from: packed });
    expect([encoder.experiment, encoder.step, encoder.modules]).toEqual(['audio', 2, 6]);
    encoder.dispose();
  });

  it('eval --from probes the packed weights as eval --run does', async () => {
    const fromRun = await evaluateRun({ run, probe: 'speaker', layer: '3' });
    const fromPack = await evaluateRun({ from: packed, probe: 'speaker', layer: '3' });
    expect(fromPack).toEqual(fromRun);
    await gim('eval', '--from', packed, '--probe', 'speaker');
    await expect(gim('eval', '--run', run, '--from', packed, '--probe', 'speaker')).rejects.toThrow(/not both/);
  });

  it('refuses an archive with an entry outside its folder, naming the entry; and non-archives', async () => {
    const inner = path.join(tmp, 'evil', 'inner');
    fs.mkdirSync(inner, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'evil', 'escape.txt'), 'x');
    fs.writeFileSync(path.join(inner, 'model.json'), '{}');
    const evil = path.join(tmp, 'evil.gim.tgz');
    const chunks: Buffer[] = [];
    for await (const c of create({ gzip: true, cwd: inner, preservePaths: true }, ['model.json', '../escape.txt'])) {
      chunks.push(c as Buffer);
    }
    fs.writeFileSync(evil, Buffer.concat(chunks));
    expect(await entries(evil)).toContain('../escape.txt');
    await expect(gim('embed', '--from', evil, '--input', FLAC, '--out', path.join(tmp, 'x.npy'))).rejects.toThrow(
      `${evil}: refused, not a packed model: entry '../escape.txt' reaches outside the archive ('..')`,
    );
    const junk = path.join(tmp, 'junk.tgz');
    fs.writeFileSync(junk, 'not gzip');
    await expect(loadEncoder({ from: junk })).rejects.toThrow(`${junk}: not a readable .tgz archive`);
  });
});
