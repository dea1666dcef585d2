/** Test helpers: fresh copies of the LibriSpeech fixture tree that a test may damage, and datasets opened on them. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll } from 'vitest';

import { LibriSpeechDataset, type LibriSpeechOptions } from '../librispeech.js';

/** The committed fixture tree (LibriSpeech layout: FLACs, split files, phone alignments). */
export const LIBRISPEECH_FIXTURES = fileURLToPath(new URL('../fixtures/librispeech/', import.meta.url));

/** fixtureTrees(prefix): a `copyTree()` that copies the fixtures into a new folder, all removed after the file. */
export function fixtureTrees(prefix: string): { copyTree: () => string } {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let trees = 0;
  return {
    copyTree(): string {
      const root = join(tmp, `tree${trees++}`);
      cpSync(LIBRISPEECH_FIXTURES, root, { recursive: true });
      return root;
    },
  };
}

/** Open a dataset, collecting its warnings. */
export async function openWith(options: LibriSpeechOptions): Promise<{ ds: LibriSpeechDataset; warnings: string[] }> {
  const warnings: string[] = [];
  const ds = await new LibriSpeechDataset({ warn: (m) => warnings.push(m), ...options }).open();
  return { ds, warnings };
}
