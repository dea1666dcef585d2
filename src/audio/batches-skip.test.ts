/** Batches under skipBad: an utterance whose audio proves corrupt when loaded is replaced, counted, deterministically. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { batchAt, disposeBatch } from './batches.js';
import { LibriSpeechDataset, utterancePath } from './data/index.js';

const FIXTURES = fileURLToPath(new URL('./data/fixtures/librispeech/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'gim-batches-skip-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BAD = '103-1240-0000';
const ARGS = { batchSize: 12, windowSamples: 1600, phones: false };
const SEED = 5;

/** A fixture tree whose BAD utterance has damaged frames in the middle (its header and last frame are intact). */
function damagedTree(): string {
  const root = join(tmp, 'tree');
  cpSync(FIXTURES, root, { recursive: true });
  const path = utterancePath(root, BAD);
  const bytes = readFileSync(path);
  for (let i = 0; i < 64; i++) bytes[Math.floor(bytes.length * 0.5) + i]! ^= 0x5a;
  writeFileSync(path, bytes);
  return root;
}
const root = damagedTree();

async function open(skipBad: boolean): Promise<LibriSpeechDataset> {
  return new LibriSpeechDataset({ root, split: 'train', skipBad, warn: () => {} }).open();
}

/** The samples of the batch at `step`. */
async function batchSamples(ds: LibriSpeechDataset, step: number): Promise<Float32Array> {
  const b = await batchAt(ds, SEED, step, ARGS);
  const x = b.x.data() as Float32Array;
  expect(b.x.shape).toEqual([ARGS.batchSize, 1, ARGS.windowSamples]);
  disposeBatch(b);
  return x;
}

describe('batches with skipBad', () => {
  it('without skipBad, the corrupt file stops the batch with an error naming it', async () => {
    const ds = await open(false);
    await expect(batchAt(ds, SEED, 0, ARGS)).rejects.toThrow(`${utterancePath(root, BAD)}: `);
  });

  it('replace the corrupt utterance, count it, and give the same batches whenever it was found', async () => {
    const fresh = await open(true);
    const first = await batchSamples(fresh, 0);
    expect(fresh.isBad(BAD)).toBe(true);
    expect(fresh.stats()).toMatchObject({ utterances: 3, skipped: { badFile: 1 } });
    const later = await batchSamples(fresh, 1);
    // A run resumed at step 1 has not met the bad file yet: it must still see the same batch.
    const resumed = await open(true);
    expect(await batchSamples(resumed, 1)).toEqual(later);
    expect(resumed.isBad(BAD)).toBe(true); // step 1 drew it too
    expect(await batchSamples(resumed, 0)).toEqual(first);
  });
});
