import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addonMissingMessage } from './native.js';

describe('a missing libtorch addon', () => {
  it('an installed package is told npm rebuild greedy-infomax and libtorch-dev, not scripts/setup.sh', () => {
    const installed = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-installed-'));
    fs.mkdirSync(path.join(installed, 'dist'));
    const message = addonMissingMessage('/x/gim_native.node', 'no such file', installed);
    expect(message).toContain('/x/gim_native.node (no such file)');
    expect(message).toContain('npm rebuild greedy-infomax');
    expect(message).toContain('libtorch-dev');
    expect(message).not.toContain('setup.sh');
    fs.rmSync(installed, { recursive: true });
  });

  it('a checkout is told bash scripts/setup.sh', () => {
    const checkout = path.resolve(import.meta.dirname, '..', '..');
    expect(addonMissingMessage('/x/gim_native.node', 'no such file', checkout)).toContain('bash scripts/setup.sh');
  });
});
