/**
 * Test helper for distributed code: starts one Node process per rank of a world on loopback (RANK, WORLD_SIZE,
 * LOCAL_RANK, MASTER_ADDR, MASTER_PORT, as torchrun sets them), collects each rank's `RESULT <json>` line and exit
 * status, and never leaves a process behind (all are killed when the limit passes or the caller stops).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A TCP port free on 127.0.0.1 now (the OS picks it; another process could take it before it is used). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RunRanksArgs {
  /** The TypeScript file each rank runs (through tsx). */
  script: string;
  /** WORLD_SIZE given to every rank. */
  worldSize: number;
  /** Ranks to start (default: all of 0 … worldSize-1); fewer simulate a rank that never comes. */
  ranks?: number[];
  /** Extra environment for every rank. */
  env?: Record<string, string>;
  /** Extra environment for one rank (applied after env). */
  rankEnv?: (rank: number) => Record<string, string | undefined>;
  /** Kill every rank still running after this long (default 60 s). */
  limitMs?: number;
}

export interface RankOutcome {
  rank: number;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The parsed `RESULT <json>` line, or null when the rank printed none. */
  result: Record<string, unknown> | null;
  stderr: string;
  /** Whether the limit passed and the rank was killed. */
  killed: boolean;
}

/** Every rank process started by runRanks that has not exited yet. */
const live = new Set<ChildProcess>();

/** Whether a process with this pid still exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills every rank process still running (for afterEach/afterAll). */
export function killAllRanks(): void {
  for (const child of live) child.kill('SIGKILL');
}

/** Starts the ranks on a fresh free port and resolves with each one's outcome once all have exited. */
export async function runRanks(args: RunRanksArgs): Promise<RankOutcome[]> {
  const port = await freePort();
  const ranks = args.ranks ?? Array.from({ length: args.worldSize }, (_, r) => r);
  const limitMs = args.limitMs ?? 60_000;
  const runs = ranks.map(
    (rank) =>
      new Promise<RankOutcome>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', args.script], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...process.env,
            OMP_NUM_THREADS: '1',
            RANK: String(rank),
            LOCAL_RANK: String(rank),
            WORLD_SIZE: String(args.worldSize),
            MASTER_ADDR: '127.0.0.1',
            MASTER_PORT: String(port),
            ...args.env,
            ...args.rankEnv?.(rank),
          },
        });
        live.add(child);
        let stdout = '';
        let stderr = '';
        let killed = false;
        child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, limitMs);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          live.delete(child);
          const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
          const result =
            line === undefined ? null : (JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>);
          resolve({ rank, pid: child.pid ?? -1, code, signal, result, stderr, killed });
        });
      }),
  );
  return Promise.all(runs);
}
