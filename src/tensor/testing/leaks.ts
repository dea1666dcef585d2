/** Test helper: every test of a file starts from a seeded generator and must leave no live tensor behind. */
import { afterEach, beforeEach, expect } from 'vitest';
import { liveTensors } from '../index.js';
import { manualSeed } from '../ops/random.js';

/** seededWithoutLeaks(seed): before each test, seed libtorch; after it, expect as many live tensors as before. */
export function seededWithoutLeaks(seed: number): void {
  let before = 0;
  beforeEach(() => {
    manualSeed(seed);
    before = liveTensors();
  });
  afterEach(() => expect(liveTensors()).toBe(before));
}
