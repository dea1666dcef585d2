/** The modules a --layer choice names, and eval-<probe>.json merged across evaluations. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { evalResultsFile, mergeEvalResults, modulesToProbe, readEvalResults } from './eval-results.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-eval-results-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('modulesToProbe', () => {
  it('names 0-based modules from a 1-based module, last or all; anything else is an error naming --layer', () => {
    expect(modulesToProbe('all', 3)).toEqual([0, 1, 2]);
    expect(modulesToProbe('last', 3)).toEqual([2]);
    expect(modulesToProbe('2', 3)).toEqual([1]);
    for (const layer of ['0', '4', '1.5', 'first', ''])
      expect(() => modulesToProbe(layer, 3)).toThrow(`--layer ${layer}: expected 1..3, last or all`);
  });
});

describe('eval-<probe>.json', () => {
  it('keeps the modules evaluated before, in module order, each with the step it was probed at', () => {
    const run = fs.mkdtempSync(path.join(tmp, 'run-'));
    const file = evalResultsFile(run, 'speaker');
    expect(file).toBe(path.join(run, 'eval-speaker.json'));
    mergeEvalResults(file, 'speaker', { accuracy: { module10: 0.5, module2: 0.25 }, step: 4 });
    mergeEvalResults(file, 'speaker', { accuracy: { module2: 0.75, module1: 1 }, step: 8 });
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    expect(stored).toEqual({
      probe: 'speaker',
      accuracy: { module1: 1, module2: 0.75, module10: 0.5 },
      step: { module1: 8, module2: 8, module10: 4 },
    });
    expect(Object.keys((stored as { accuracy: object }).accuracy)).toEqual(['module1', 'module2', 'module10']);
  });

  it('refuses, naming the file, results of another probe or a file that is not results', () => {
    const run = fs.mkdtempSync(path.join(tmp, 'run-'));
    const file = evalResultsFile(run, 'phone');
    expect(readEvalResults(file, 'phone')).toEqual({ probe: 'phone', accuracy: {}, step: {} });
    fs.writeFileSync(file, JSON.stringify({ probe: 'speaker', accuracy: { module1: 0.5 } }));
    expect(() => readEvalResults(file, 'phone')).toThrow(`${file}: not the results of a phone probe`);
    fs.writeFileSync(file, JSON.stringify({ probe: 'phone', accuracy: { module1: 'high' } }));
    expect(() => mergeEvalResults(file, 'phone', { accuracy: { module1: 0.5 }, step: 1 })).toThrow(
      `${file}: not the results of a phone probe`,
    );
    fs.writeFileSync(file, '{"probe": ');
    expect(() => readEvalResults(file, 'phone')).toThrow(`${file}: not valid JSON`);
  });
});
