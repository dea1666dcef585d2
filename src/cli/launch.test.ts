/**
 * `gim launch`: its arguments (errors name the flag), each rank's environment, and supervision of real child
 * processes — run through bin/gim.js with the hidden --script hook, so each rank is a tiny node script, not training.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childCommand, GIM_BIN, launchPlan, rankChildren } from './launch.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-launch-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/**
 * A rank: by its first argument,
 *   env         prints its launch variables as JSON and exits 0;
 *   fail R C    rank R exits with code C once every rank has written its pid, the others wait;
 *   stubborn R  like fail R 3, but the others ignore SIGTERM and start a `sleep` child of their own;
 *   wait        waits until a signal ends it (exit 143 on SIGTERM);
 * then it writes its pid to <dir>/pid-<RANK>.
 */
const RANK_SCRIPT = `
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
const [what, a, b] = process.argv.slice(2);
const dir = process.env.LAUNCH_TEST_DIR;
const rank = Number(process.env.RANK);
const size = Number(process.env.LOCAL_WORLD_SIZE);
const allStarted = () => fs.readdirSync(dir).filter((f) => f.startsWith('pid-')).length >= size;
const keepAlive = () => setInterval(() => {}, 1000);
if (what === 'env') {
  const keys = ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'MASTER_ADDR', 'MASTER_PORT'];
  console.log('ENV ' + JSON.stringify(Object.fromEntries(keys.map((k) => [k, process.env[k]]))));
  process.stderr.write('no newline at the end');
} else if (what === 'fail' || what === 'stubborn') {
  if (rank === Number(a)) {
    const poll = setInterval(() => { if (allStarted()) { clearInterval(poll); process.exit(Number(b ?? 3)); } }, 20);
  } else {
    if (what === 'stubborn') {
      process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
      const sleeper = spawn('sleep', ['1000'], { stdio: 'ignore' });
      fs.writeFileSync(path.join(dir, 'grandchild-' + rank), String(sleeper.pid));
    }
    keepAlive();
  }
} else if (what === 'wait') {
  process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(143); });
  keepAlive();
}
// Last: a rank whose pid is written has its handlers in place.
fs.writeFileSync(path.join(dir, 'pid-' + rank), String(process.pid));
`;
const SCRIPT = path.join(work, 'rank.mjs');
fs.writeFileSync(SCRIPT, RANK_SCRIPT);

interface Launched {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Pids the ranks (and their own children) wrote. */
  pids: number[];
  seconds: number;
}

let runs = 0;

/** Run `gim launch --script rank.mjs <launchArgs> -- <rankArgs>`; `onStart` sees the launch process. */
function launch(
  launchArgs: string[],
  rankArgs: string[],
  onStart?: (pid: number, dir: string) => void,
): Promise<Launched> {
  const dir = path.join(work, `run-${runs++}`);
  fs.mkdirSync(dir);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GIM_BIN, 'launch', '--script', SCRIPT, ...launchArgs, '--', ...rankArgs], {
      env: { ...process.env, LAUNCH_TEST_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    onStart?.(child.pid!, dir);
    child.on('close', (code) => {
      const pids = fs
        .readdirSync(dir)
        .filter((f) => f.startsWith('pid-') || f.startsWith('grandchild-'))
        .map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8')));
      resolve({ code, stdout, stderr, pids, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Whether a process with this pid still exists (a zombie counts as gone: it has exited). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('launch arguments', () => {
  it('builds each rank’s environment in torchrun’s conventions', () => {
    const plan = launchPlan(
      { nprocPerNode: '3', nnodes: '2', nodeRank: '1', masterAddr: '10.0.0.1', masterPort: '1234' },
      ['train', '--preset', 'audio-tiny'],
    );
    const children = rankChildren(plan, { KEEP: 'me' });
    expect(children.map((c) => c.label)).toEqual(['rank 3', 'rank 4', 'rank 5']);
    expect(children[2]!.env).toEqual({
      KEEP: 'me',
      RANK: '5',
      WORLD_SIZE: '6',
      LOCAL_RANK: '2',
      LOCAL_WORLD_SIZE: '3',
      GROUP_RANK: '1',
      MASTER_ADDR: '10.0.0.1',
      MASTER_PORT: '1234',
    });
    expect(children[0]!.command).toBe(process.execPath);
    expect(children[0]!.args).toEqual([GIM_BIN, 'train', '--preset', 'audio-tiny']);
    const defaults = launchPlan({ nprocPerNode: '1' }, ['train']);
    expect(defaults).toMatchObject({ masterAddr: '127.0.0.1', masterPort: 29500, nnodes: 1, nodeRank: 0 });
  });

  it('refuses bad values, naming the flag', () => {
    const bad: [Parameters<typeof launchPlan>[0], RegExp][] = [
      [{ nprocPerNode: 'x' }, /--nproc-per-node must be an integer ≥ 1, got 'x'/],
      [{ nprocPerNode: '1.5' }, /--nproc-per-node/],
      [{ nprocPerNode: '0' }, /--nproc-per-node/],
      [{ nprocPerNode: '2', nnodes: '0' }, /--nnodes/],
      [{ nprocPerNode: '2', nodeRank: '1' }, /--node-rank must be below --nnodes \(1\), got 1/],
      [{ nprocPerNode: '2', nnodes: '2', nodeRank: '2', masterAddr: 'a' }, /--node-rank/],
      [{ nprocPerNode: '2', masterPort: '0' }, /--master-port must be an integer from 1 to 65535, got '0'/],
      [{ nprocPerNode: '2', masterPort: '65536' }, /--master-port/],
      [{ nprocPerNode: '2', nnodes: '2' }, /--nnodes 2 needs --master-addr/],
      [{ nprocPerNode: '2', grace: '-1' }, /--grace/],
    ];
    for (const [options, message] of bad) expect(() => launchPlan(options, ['train'])).toThrow(message);
    expect(() => launchPlan({ nprocPerNode: '2' }, ['launch'])).toThrow(/cannot be launch/);
  });

  it('needs -- before the command, and nothing unknown before it', () => {
    expect(childCommand(['--nproc-per-node', '2', '--', 'train', '--preset', 'x'], ['train', '--preset', 'x'])).toEqual(
      ['train', '--preset', 'x'],
    );
    expect(() => childCommand(['--nproc-per-node', '2', 'train', '--preset', 'x'], ['train', '--preset', 'x'])).toThrow(
      /put -- before the command/,
    );
    expect(() => childCommand(['--bogus', '1', '--', 'train'], ['--bogus', '1', '--', 'train'])).toThrow(
      /unknown option or argument before --: --bogus 1/,
    );
    expect(() => childCommand(['--nproc-per-node', '2', '--'], [])).toThrow(/no command after --/);
  });
});

describe.concurrent('gim launch supervises its ranks', () => {
  it('each rank sees its variables; output is prefixed by rank; exit 0', async () => {
    const r = await launch(['--nproc-per-node', '3', '--master-port', '29999'], ['env']);
    expect(r.code, r.stderr).toBe(0);
    const envs = [...r.stdout.matchAll(/^\[rank (\d)\] ENV (.*)$/gm)].map((m) => [m[1], JSON.parse(m[2]!)] as const);
    expect(envs.map(([label]) => label).sort()).toEqual(['0', '1', '2']);
    for (const [label, env] of envs) {
      expect(env).toEqual({
        RANK: label,
        WORLD_SIZE: '3',
        LOCAL_RANK: label,
        LOCAL_WORLD_SIZE: '3',
        GROUP_RANK: '0',
        MASTER_ADDR: '127.0.0.1',
        MASTER_PORT: '29999',
      });
    }
    // A last line without a newline is still written, prefixed.
    expect(r.stderr.match(/^\[rank \d\] no newline at the end$/gm)).toHaveLength(3);
    expect(r.pids.filter(alive)).toEqual([]);
  });

  it('a failing rank stops the others; launch exits non-zero naming it and its exit code', async () => {
    const r = await launch(['--nproc-per-node', '3', '--grace', '20'], ['fail', '1', '7']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gim launch: rank 1 exited with code 7; the other 2 rank\(s\) were stopped/);
    expect(r.stderr).toMatch(/sending SIGTERM to 2 rank\(s\), SIGKILL to any still running after 20 s/);
    expect(r.stderr).not.toMatch(/by SIGKILL/);
    expect(r.pids).toHaveLength(3);
    expect(r.pids.filter(alive)).toEqual([]);
  });

  it('ranks that ignore SIGTERM get SIGKILL after the grace period, their own children too', async () => {
    const r = await launch(['--nproc-per-node', '3', '--grace', '0.5'], ['stubborn', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rank 0 exited with code 3; the other 2 rank\(s\) were stopped \(2 by SIGKILL\)/);
    expect(r.stdout).toMatch(/\[rank [12]\] ignoring SIGTERM/);
    expect(r.pids).toHaveLength(5);
    expect(r.pids.filter(alive)).toEqual([]);
  });

  it('a rank killed by a signal is named with the signal', async () => {
    const r = await launch(['--nproc-per-node', '2'], ['wait'], (_pid, dir) => {
      // both ranks' handlers in place first (a pid file is written last), else rank 0 may die of the SIGTERM silently
      const written = (rank: number): boolean => {
        const file = path.join(dir, `pid-${rank}`);
        return fs.existsSync(file) && fs.readFileSync(file, 'utf8') !== '';
      };
      const poll = setInterval(() => {
        if (!written(0) || !written(1)) return;
        clearInterval(poll);
        process.kill(Number(fs.readFileSync(path.join(dir, 'pid-1'), 'utf8')), 'SIGKILL');
      }, 20);
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gim launch: rank 1 was killed by SIGKILL/);
    expect(r.stdout).toMatch(/\[rank 0\] got SIGTERM/);
    expect(r.pids.filter(alive)).toEqual([]);
  });

  it('SIGTERM to launch is forwarded to every rank; launch exits 143', async () => {
    const r = await launch(['--nproc-per-node', '2'], ['wait'], (pid, dir) => {
      const poll = setInterval(() => {
        if (fs.readdirSync(dir).length < 2) return;
        clearInterval(poll);
        process.kill(pid, 'SIGTERM');
      }, 20);
    });
    expect(r.code).toBe(143);
    expect(r.stdout.match(/^\[rank \d\] got SIGTERM$/gm)).toHaveLength(2);
    expect(r.pids.filter(alive)).toEqual([]);
  });
});
