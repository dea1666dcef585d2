/** The vision experiment on CIFAR-10's binary version (a tiny folder of batches the test writes), from config to probe. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMetrics } from '../../report/index.js';
import { isCountOf } from '../../testing/learning.js';
import { CIFAR_IMAGE_BYTES, CIFAR_RECORD } from '../../vision/data/index.js';
import { runDir } from '../../gim/run-dir.js';
import { evalImages, openVisionData, TrainBatches } from './data.js';
import { trainVision } from './experiment.js';
import { probeLayers } from './linear-eval.js';
import { parseVisionConfig, resolveVisionConfig, visionDefaults, type VisionConfig } from './config.js';
import { deepMerge, type DeepPartial } from '../overrides.js';

const CLASSES = 10;
const TRAIN_PER_BATCH = 4; // × 5 batch files = 20 training images
const TEST_IMAGES = 10;
const BATCH_SIZE = 4;
const STEPS = 2;

/** CIFAR-10 binary records, 1 label byte then 3 × 32 × 32 pixel bytes each; image `first + i` has label (first + i) % 10. */
function cifarRecords(first: number, count: number): Buffer {
  const out = Buffer.alloc(count * CIFAR_RECORD);
  for (let i = 0; i < count; i++) {
    const id = first + i;
    const at = i * CIFAR_RECORD;
    out[at] = id % CLASSES;
    for (let k = 0; k < CIFAR_IMAGE_BYTES; k++) out[at + 1 + k] = (id * 53 + k * 7 + ((k * id) >> 5)) & 0xff;
  }
  return out;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-cifar10-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const batches = path.join(root, 'cifar-10-batches-bin'); // as the archive unpacks
fs.mkdirSync(batches);
for (let k = 1; k <= 5; k++)
  fs.writeFileSync(path.join(batches, `data_batch_${k}.bin`), cifarRecords((k - 1) * TRAIN_PER_BATCH, TRAIN_PER_BATCH));
fs.writeFileSync(path.join(batches, 'test_batch.bin'), cifarRecords(1000, TEST_IMAGES));

/** The tiny preset on RGB CIFAR-10 at `dataRoot`: 32 × 32 images as they are, 3 input channels. */
const tinyCifar = (dataRoot: string, patch: DeepPartial<VisionConfig> = {}): VisionConfig =>
  resolveVisionConfig(
    'tiny',
    deepMerge<DeepPartial<VisionConfig>>(
      {
        data: { dataset: 'cifar10', root: dataRoot, padTo: 0, grayscale: false, maxTrain: 0, maxTest: 0 },
        model: { inChannels: 3 },
        train: { steps: STEPS, batchSize: BATCH_SIZE, checkpointEvery: STEPS },
      },
      patch,
    ),
  );

describe('vision config: data.dataset cifar10', () => {
  it('takes 3 input channels for RGB and 1 for grayscale, and refuses the other', () => {
    expect(tinyCifar(root).model.inChannels).toBe(3);
    expect(tinyCifar(root, { data: { grayscale: true }, model: { inChannels: 1 } }).data.grayscale).toBe(true);
    const rgb = { data: { dataset: 'cifar10', grayscale: false, pretrain: 'train' } } as const;
    expect(() => parseVisionConfig(deepMerge(visionDefaults, rgb))).toThrow(/model\.inChannels must be 1 .* CIFAR-10/);
    expect(() => tinyCifar(root, { data: { grayscale: true } })).toThrow(/model\.inChannels/);
  });

  it('normalises RGB with the CIFAR-10 constants; grayscale needs data.norm', () => {
    const data = openVisionData(tinyCifar(root));
    expect(data.norm.mean).toHaveLength(3);
    expect(() => openVisionData(tinyCifar(root, { data: { grayscale: true }, model: { inChannels: 1 } }))).toThrow(
      /data\.norm: no known constants for grayscale CIFAR-10/,
    );
    const norm = { mean: [0.5], std: [0.25] };
    const gray = tinyCifar(root, { data: { grayscale: true, norm }, model: { inChannels: 1 } });
    expect(new TrainBatches(gray, openVisionData(gray).pretrain).at(0).x.shape).toEqual([BATCH_SIZE, 1, 32, 32]);
  });

  it('a data.root without the binary batches is an error naming the folder and the missing files', () => {
    const empty = fs.mkdtempSync(path.join(root, 'empty-'));
    expect(() => openVisionData(tinyCifar(empty))).toThrow(
      new RegExp(
        `^data\\.root: CIFAR-10 binary version: ${empty} \\(nor .*\\) lacks data_batch_1\\.bin, .*test_batch\\.bin`,
      ),
    );
    fs.copyFileSync(path.join(batches, 'test_batch.bin'), path.join(empty, 'test_batch.bin'));
    expect(() => openVisionData(tinyCifar(empty))).toThrow(
      'lacks data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin; set data.root',
    );
    const missing = path.join(root, 'no-such-folder');
    expect(() => openVisionData(tinyCifar(missing))).toThrow(missing);
  });
});

describe('vision experiment on CIFAR-10 (a tiny folder of binary batches)', () => {
  it('reads every split, trains a couple of GIM steps and probes every module', async () => {
    const config = tinyCifar(root);
    const data = openVisionData(config);
    expect([data.pretrain.n, data.train.n, data.test.n, data.classes]).toEqual([
      5 * TRAIN_PER_BATCH,
      5 * TRAIN_PER_BATCH,
      TEST_IMAGES,
      CLASSES,
    ]);
    expect(data.classNames[0]).toBe('airplane');
    const first = new TrainBatches(config, data.pretrain).at(0);
    expect(first.x.shape).toEqual([BATCH_SIZE, 3, 32, 32]);
    first.x.dispose();
    first.y.dispose();

    const run = path.join(root, 'run');
    const result = await trainVision(config, data, { run, resume: false });
    expect([result.outcome, result.step]).toEqual(['finished', STEPS]);
    const last = readMetrics(runDir(run).metrics).filter((m) => m.step === STEPS);
    expect(last).toHaveLength(result.stack.length);
    for (const m of last) expect(Number.isFinite(m.loss), `module ${m.module}`).toBe(true);

    const [train, test] = [evalImages(config, data.train), evalImages(config, data.test)];
    expect(test.x.shape).toEqual([TEST_IMAGES, 3, 32, 32]);
    const layers = result.stack.modules.map((_, i) => i);
    const accuracies = probeLayers(result.stack, layers, train, test, data.classes, config.probe);
    expect(accuracies).toHaveLength(layers.length);
    for (const accuracy of accuracies) expect(isCountOf(accuracy, TEST_IMAGES), `accuracy ${accuracy}`).toBe(true);
    for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
    result.stack.dispose();
    data.close();
  });
});
