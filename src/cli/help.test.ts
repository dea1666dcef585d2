import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESETS } from './names.js';
import { parsePreset } from './presets.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'gim.js');
const SPAWN_TIMEOUT_MS = 60_000;

/** Run bin/gim.js with the addon path pointing at a file that does not exist. */
function gimWithoutAddon(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: SPAWN_TIMEOUT_MS,
    env: { ...process.env, GIM_NATIVE_ADDON: path.join(ROOT, 'no-such-addon.node'), ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gim without the libtorch addon', () => {
  it('--version prints package.json version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = gimWithoutAddon(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('--help and every command’s --help work', () => {
    const top = gimWithoutAddon(['--help']);
    expect(top.status, top.stderr).toBe(0);
    for (const command of ['train', 'launch', 'eval', 'reproduce', 'demo', 'config', 'report', 'data', 'bench'])
      expect(top.stdout).toContain(`  ${command} `);
    for (const command of ['train', 'launch', 'eval', 'reproduce', 'demo', 'config']) {
      const r = gimWithoutAddon([command, '--help']);
      expect(r.status, `${command}: ${r.stderr}`).toBe(0);
      expect(r.stdout, command).toContain(`Usage: gim ${command}`);
    }
  }, 120_000);

  it('train --help marks --preset required and says where runs and each preset’s data go', () => {
    const r = gimWithoutAddon(['train', '--help']);
    expect(r.stdout).toMatch(/--preset <name>[\s\S]*?\(required\)/);
    expect(r.stdout).toContain('runs/<config name>/');
    for (const name of PRESETS) expect(r.stdout, name).toContain(parsePreset(name).config().data.root);
  });

  it('launch --help names the variables each rank sees and hides the test hook', () => {
    const r = gimWithoutAddon(['launch', '--help']);
    expect(r.stdout).toMatch(/--nproc-per-node <n>[\s\S]*?\(required\)/);
    for (const name of ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT'])
      expect(r.stdout).toContain(name);
    expect(r.stdout).not.toContain('--script');
  });

  it('a command that needs the addon says how to build it, without a stack trace', () => {
    const r = gimWithoutAddon(['train', '--preset', 'audio-tiny', '--set', 'train.steps=1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^gim: greedy-infomax: cannot load the libtorch addon .*no-such-addon\.node/);
    expect(r.stderr).toContain('scripts/setup.sh');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const debug = gimWithoutAddon(['train', '--preset', 'audio-tiny'], { GIM_DEBUG: '1' });
    expect(debug.stderr).toMatch(/^\s+at /m);
  }, 120_000);
});
