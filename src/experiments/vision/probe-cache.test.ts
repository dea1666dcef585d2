import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointIdentity, ProbeCache } from './probe-cache.js';
import type { LayerScores } from './linear-eval.js';

const score = (test: number): LayerScores[] => [
  { global: { test, train: test, epochs: 3, converged: true }, spatial: null },
];

describe('ProbeCache', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-probe-cache-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('runs a probe once and reuses its scores while the key matches; another key runs it again', () => {
    const dir = path.join(tmp, 'probes');
    const lines: string[] = [];
    let calls = 0;
    const run = (test: number) => () => {
      calls++;
      return score(test);
    };
    const first = new ProbeCache({ dir, shared: { lr: 1e-3 }, log: (l) => lines.push(l) });
    expect(first.scores('Greedy InfoMax (GIM)', { layers: [2] }, run(0.8))).toEqual(score(0.8));
    expect(fs.readdirSync(dir)).toEqual(['Greedy-InfoMax-GIM.json']);
    const second = new ProbeCache({ dir, shared: { lr: 1e-3 }, log: (l) => lines.push(l) });
    expect(second.scores('Greedy InfoMax (GIM)', { layers: [2] }, run(0.1))).toEqual(score(0.8));
    expect([calls, second.reusedRows]).toEqual([1, ['Greedy InfoMax (GIM)']]);
    expect(second.reused).toBeGreaterThanOrEqual(0);
    expect(lines.join('\n')).toMatch(/Greedy InfoMax \(GIM\): probe results reused from .*Greedy-InfoMax-GIM\.json/);
    // other layers, or other shared settings: probed again
    expect(second.scores('Greedy InfoMax (GIM)', { layers: [1] }, run(0.7))).toEqual(score(0.7));
    const third = new ProbeCache({ dir, shared: { lr: 1e-2 }, log: () => undefined });
    expect(third.scores('Greedy InfoMax (GIM)', { layers: [1] }, run(0.6))).toEqual(score(0.6));
    expect([calls, third.reusedRows]).toEqual([3, []]);
  });

  it('a corrupt cache file is named in the log and replaced', () => {
    const dir = path.join(tmp, 'corrupt');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'cpc.json'), '{"key": ');
    const lines: string[] = [];
    const cache = new ProbeCache({ dir, shared: {}, log: (l) => lines.push(l) });
    expect(cache.scores('cpc', {}, () => score(0.5))).toEqual(score(0.5));
    expect(lines.join('\n')).toMatch(/cpc\.json: unreadable .*; probing again/);
    expect(new ProbeCache({ dir, shared: {}, log: () => undefined }).scores('cpc', {}, () => score(0))).toEqual(
      score(0.5),
    );
  });

  it("a checkpoint's identity changes when the file is rewritten", () => {
    const file = path.join(tmp, 'step-0000004.safetensors');
    fs.writeFileSync(file, 'abc');
    const before = checkpointIdentity(file, 4);
    expect(before).toMatchObject({ file: path.resolve(file), step: 4, bytes: 3 });
    fs.writeFileSync(file, 'abcd');
    expect(checkpointIdentity(file, 4).bytes).toBe(4);
  });
});
