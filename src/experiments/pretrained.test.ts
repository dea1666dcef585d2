/**
 * The encoders shipped in pretrained/ (gim pack of runs trained here; see pretrained/README.md): each loads with
 * --from, embeds one input, and carries a model card with its data, steps and measured probe accuracy.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../cli/program.js';
import { loadEncoder } from './encoder.js';
import { unpackModel, type ModelCard } from './pack.js';

const PRETRAINED = new URL('../../pretrained/', import.meta.url).pathname;
const FLAC = new URL('../audio/data/fixtures/librispeech/train-clean-100/19/198/19-198-0001.flac', import.meta.url)
  .pathname;
const JPEG = new URL('../vision/data/fixtures/gradient.jpg', import.meta.url).pathname;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-pretrained-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SHIPPED = [
  { file: 'fashion-mnist-gim-small.gim.tgz', experiment: 'vision', probe: 'class', input: JPEG, width: 512 },
  { file: 'real-speech-gim-small.gim.tgz', experiment: 'audio', probe: 'speaker', input: FLAC, width: 64 },
] as const;

describe('pretrained encoders', () => {
  for (const shipped of SHIPPED) {
    const from = path.join(PRETRAINED, shipped.file);

    it(`${shipped.file}: the model card states data, steps and a measured ${shipped.probe} probe accuracy`, async () => {
      const dir = await unpackModel(from);
      try {
        const card = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelCard;
        expect(card.experiment).toBe(shipped.experiment);
        expect(card.objective).toBe('infonce');
        expect(card.step).toBeGreaterThan(0);
        expect(card.dataset.length).toBeGreaterThan(0);
        const accuracy = Object.values(card.probes[shipped.probe]!.accuracy);
        expect(accuracy.length).toBeGreaterThan(0);
        for (const value of accuracy) expect(value).toBeGreaterThan(0);
        expect(fs.readFileSync(path.join(dir, 'MODEL.md'), 'utf8')).toContain(`${card.step} steps of`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it(`${shipped.file}: loadEncoder({ from }) and gim embed --from give the same features of one input`, async () => {
      const encoder = await loadEncoder({ from });
      try {
        expect(encoder.experiment).toBe(shipped.experiment);
        const [row] = await encoder.embedFile(shipped.input);
        const features = row!.features.data() as Float32Array;
        row!.features.dispose();
        expect(features.length).toBe(shipped.width);
        expect(features.every(Number.isFinite)).toBe(true);
        expect(features.some((value) => value !== 0)).toBe(true);
        const out = path.join(tmp, `${shipped.experiment}.jsonl`);
        await buildProgram()
          .exitOverride()
          .parseAsync(['embed', '--from', from, '--input', shipped.input, '--out', out], { from: 'user' });
        const written = JSON.parse(fs.readFileSync(out, 'utf8')) as { features: number[] };
        expect(written.features).toEqual(Array.from(features));
      } finally {
        encoder.dispose();
      }
    });
  }
});
