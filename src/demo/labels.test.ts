/** Gallery labels as folder names: written percent-encoded where needed, read back as they were. */
import { describe, expect, it } from 'vitest';
import { labelFolder, labelOfFile } from './labels.js';

describe('gallery labels', () => {
  it('a label is the name of its file’s folder; encoded names decode back to the label', () => {
    expect(labelOfFile('gallery/sneaker/1.png')).toBe('sneaker');
    expect(labelOfFile('/data/clips/19/a.flac')).toBe('19');
    for (const label of ['T-shirt/top', 'Ankle boot', 'naïve 50%', '..', 'sneaker']) {
      const folder = labelFolder(label);
      expect(folder).not.toMatch(/[/\\]/);
      expect(['.', '..']).not.toContain(folder);
      expect(labelOfFile(`gallery/${folder}/x.png`)).toBe(label);
    }
    expect(labelOfFile('gallery/100%/x.png')).toBe('100%'); // not valid percent-encoding: the name as it is
  });
});
