import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../util/fs.js';
import {
  checkResumeConfig,
  configDifferences,
  newestIntactCheckpoint,
  openRunFolder,
  removeTemporaryFiles,
  truncateMetrics,
} from './run-folder.js';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'gim-run-folder-'));
const quiet = (): void => undefined;

describe('openRunFolder', () => {
  it('creates a missing folder; refuses a file, and --resume together with --overwrite', () => {
    const root = path.join(tmp(), 'new');
    openRunFolder({ root, resume: false, log: quiet });
    expect(fs.statSync(root).isDirectory()).toBe(true);
    const file = path.join(tmp(), 'file');
    fs.writeFileSync(file, '');
    expect(() => openRunFolder({ root: file, resume: false, log: quiet })).toThrow(/is a file/);
    expect(() => openRunFolder({ root, resume: true, overwrite: true, log: quiet })).toThrow(/contradict/);
  });

  it('a second bad checkpoint at the same step does not replace the first .unusable file', () => {
    const checkpoints = path.join(tmp(), 'checkpoints');
    fs.mkdirSync(checkpoints);
    const bad = path.join(checkpoints, 'step-0000006.safetensors');
    for (const content of ['first', 'second']) {
      fs.writeFileSync(bad, content);
      expect(newestIntactCheckpoint(checkpoints, quiet)).toBeNull();
    }
    expect(fs.readFileSync(`${bad}.unusable`, 'utf8')).toBe('first');
    expect(fs.readFileSync(`${bad}.unusable.1`, 'utf8')).toBe('second');
  });

  it('removes the temporary files of both atomic writers, in the folder and its checkpoint folders only', () => {
    const root = tmp();
    const module0 = path.join(root, 'checkpoints', 'module0');
    fs.mkdirSync(module0, { recursive: true });
    const stale = [
      path.join(root, 'checkpoints', 'step-0000003.safetensors.tmp-123-abcdef012345'),
      path.join(module0, 'step-0000001.safetensors.tmp-9-00ff00ff00ff'),
      path.join(root, 'config.json.4242.0a0b0c0d.tmp'),
    ];
    for (const f of stale) fs.writeFileSync(f, 'x');
    const kept = [path.join(root, 'checkpoints', 'step-0000002.safetensors'), path.join(root, 'my.tmp-notes')];
    for (const f of kept) fs.writeFileSync(f, 'x');
    expect(removeTemporaryFiles(root).sort()).toEqual([...stale].sort());
    for (const f of kept) expect(fs.existsSync(f)).toBe(true);
    writeFileAtomic(path.join(root, 'config.json'), '{}'); // its temporary name matches the pattern removed above
    expect(fs.readdirSync(root).filter((f) => f.startsWith('config.json'))).toEqual(['config.json']);
  });
});

describe('resume config and metrics', () => {
  it('configDifferences names differing leaves; checkResumeConfig allows resumable keys and prefixes only', () => {
    const stored = { model: { kernels: [10, 8], channels: 8 }, train: { lr: 1, steps: 2 }, probe: { epochs: 3 } };
    const requested = { model: { kernels: [10, 4], channels: 8 }, train: { lr: 2, steps: 2 }, probe: { epochs: 5 } };
    expect(configDifferences(stored, requested)).toEqual(['model.kernels', 'probe.epochs', 'train.lr']);
    const args = { file: 'ckpt.safetensors', stored, requested, resumable: ['train.lr', 'probe'] };
    expect(() => checkResumeConfig(args)).toThrow(/ckpt\.safetensors in model\.kernels \(\[10,8\] → \[10,4\]\)/);
    const fine = { ...requested, model: stored.model };
    expect(checkResumeConfig({ ...args, requested: fine })).toEqual(['probe.epochs', 'train.lr']);
    const added = { ...fine, train: { ...fine.train, cacheBatches: 0 } }; // a key added since the run was written
    expect(checkResumeConfig({ ...args, requested: added })).toEqual(['probe.epochs', 'train.lr']);
  });

  it('truncateMetrics keeps the records asked for and drops a line cut short', () => {
    const file = path.join(tmp(), 'metrics.jsonl');
    const line = (step: number): string => JSON.stringify({ step, module: 0, loss: 1, time: 0 });
    fs.writeFileSync(file, `${line(1)}\n${line(2)}\n${line(3)}\n{"step":4,"mod`);
    expect(truncateMetrics(file, (r) => r.step <= 2)).toBe(2);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${line(1)}\n${line(2)}\n`);
  });
});
