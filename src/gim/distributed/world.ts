/**
 * The world of a distributed run: rendezvous from torchrun's environment variables (RANK, WORLD_SIZE, LOCAL_RANK,
 * MASTER_ADDR, MASTER_PORT), so `gim launch`, torchrun-style schedulers (SLURM, Kubernetes) and hand-started processes
 * all work. Rank 0 hosts c10d's TCPStore; every rank publishes a hash of its config and the world size it believes,
 * and every rank refuses to start when any rank disagrees, naming it. Then the ranks form one Gloo/NCCL group.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { ProcessGroup, TcpStore } from '../../tensor/index.js';

/** What torchrun tells each process. */
export interface WorldEnv {
  rank: number;
  worldSize: number;
  localRank: number;
  masterAddr: string;
  masterPort: number;
}

function integerVar(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    throw new Error(`${name} is not set: a distributed run reads ${ENV_NAMES.join(', ')} (gim launch sets them)`);
  }
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got '${raw}'`);
  }
  return n;
}

const ENV_NAMES = ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT'] as const;

/** Reads and checks the torchrun variables; errors name the variable at fault. */
export function readWorldEnv(env: NodeJS.ProcessEnv = process.env): WorldEnv {
  const worldSize = integerVar(env, 'WORLD_SIZE', 1, 2 ** 31 - 1);
  const rank = integerVar(env, 'RANK', 0, worldSize - 1);
  const localRank = integerVar(env, 'LOCAL_RANK', 0, worldSize - 1);
  const masterAddr = env.MASTER_ADDR?.trim() ?? '';
  if (masterAddr === '') {
    throw new Error(`MASTER_ADDR is not set: a distributed run reads ${ENV_NAMES.join(', ')} (gim launch sets them)`);
  }
  const masterPort = integerVar(env, 'MASTER_PORT', 1, 65535);
  return { rank, worldSize, localRank, masterAddr, masterPort };
}

/** JSON with object keys sorted, so that equal configs hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** sha256 of the config's canonical JSON (hex). */
export function configHash(config: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(config) ?? 'undefined')
    .digest('hex');
}

export interface JoinWorldArgs {
  /** This rank's config (any JSON-like object); every rank must hold an equal one. */
  config: unknown;
  /** Where to read the torchrun variables (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Limit of each collective's wait (default 10 minutes). */
  timeoutMs?: number;
  /** How long to wait for every rank to come (default 5 minutes). */
  joinTimeoutMs?: number;
  backend?: 'gloo' | 'nccl';
}

export interface World {
  rank: number;
  worldSize: number;
  localRank: number;
  /** The config hash every rank agreed on. */
  configHash: string;
  /** The store rank 0 hosts (small values: rendezvous, run names). */
  store: TcpStore;
  /** All ranks. */
  group: ProcessGroup;
  /** Leaves: closes the group and the store (on rank 0 the store stops serving). Safe to call twice. */
  close(): void;
}

export const DEFAULT_WORLD_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_JOIN_TIMEOUT_MS = 5 * 60_000;
const POLL_MS = 50;

interface Claim {
  configHash: string;
  worldSize: number;
}

const claimKey = (rank: number): string => `gim/world/claim/${rank}`;
const ackKey = (rank: number): string => `gim/world/ack/${rank}`;
const VERDICT_KEY = 'gim/world/verdict';
/** How long rank 0 at most keeps the store up after a failed rendezvous, for the others to read why. */
const VERDICT_LINGER_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once something accepts TCP connections at host:port, polling until `deadline` (then rejects): a client
 * waits for rank 0's store here, with the event loop running (signals, the launcher's SIGTERM), rather than inside
 * c10d's blocking connect.
 */
async function waitForListener(host: string, port: number, deadline: number, what: string): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() >= deadline) {
      throw new Error(`${what}: nothing listens at ${host}:${port} (MASTER_ADDR:MASTER_PORT); is rank 0 started?`);
    }
    await sleep(POLL_MS);
  }
}

function short(hash: string): string {
  return hash.slice(0, 12);
}

/**
 * Every rank's disagreement with rank 0's claim (or, before rank 0's is known, with this rank's own), as sentences
 * naming the rank; empty when all claims seen agree.
 */
function disagreements(claims: Map<number, Claim>, own: number): string[] {
  const refRank = claims.has(0) ? 0 : own;
  const ref = claims.get(refRank)!;
  const out: string[] = [];
  for (const [r, c] of [...claims].sort(([a], [b]) => a - b)) {
    if (r === refRank) continue;
    if (c.worldSize !== ref.worldSize) {
      out.push(`rank ${r} believes WORLD_SIZE=${c.worldSize}, rank ${refRank} believes ${ref.worldSize}`);
    }
    if (c.configHash !== ref.configHash) {
      out.push(
        `rank ${r}'s config differs from rank ${refRank}'s (hash ${short(c.configHash)} vs ${short(ref.configHash)})`,
      );
    }
  }
  return out;
}

/**
 * Publishes this rank's claim, then polls the others' until all have come. The first rank to see a disagreeing
 * claim, or to reach its deadline with ranks missing, publishes a verdict naming the ranks at fault, and every rank
 * fails with it (rank 0 keeps the store up until the others have read it, 30 s at most).
 */
async function agree(
  store: TcpStore,
  env: WorldEnv,
  own: Claim,
  joinTimeoutMs: number,
  deadline: number,
): Promise<void> {
  const where = whereOf(env);
  store.set(claimKey(env.rank), JSON.stringify(own));
  const claims = new Map<number, Claim>([[env.rank, own]]);
  const fail = async (verdict: string): Promise<never> => {
    try {
      store.set(VERDICT_KEY, verdict);
      store.set(ackKey(env.rank), '1');
      if (env.rank === 0) await lingerForAcks(store, env.worldSize, deadline);
    } catch {
      // the store is gone: the others learn of the failure from that
    }
    throw new Error(`${where}: ${verdict}`);
  };
  for (;;) {
    let verdict: string | null = null;
    try {
      if (store.check([VERDICT_KEY])) verdict = store.get(VERDICT_KEY);
      for (let r = 0; r < env.worldSize && verdict === null; r++) {
        if (!claims.has(r) && store.check([claimKey(r)])) claims.set(r, JSON.parse(store.get(claimKey(r))) as Claim);
      }
    } catch (e) {
      throw new Error(`${where}: lost the store hosted by rank 0: ${(e as Error).message}`, { cause: e });
    }
    if (verdict !== null) await fail(verdict);
    const bad = disagreements(claims, env.rank);
    if (bad.length > 0) await fail(`ranks disagree: ${bad.join('; ')}`);
    if (claims.size === env.worldSize) return;
    if (Date.now() >= deadline) {
      const missing = Array.from({ length: env.worldSize }, (_, r) => r).filter((r) => !claims.has(r));
      await fail(
        `${missing.length === 1 ? 'rank' : 'ranks'} ${missing.join(', ')} did not come within ${joinTimeoutMs} ms ` +
          `(are all ${env.worldSize} ranks started, and is WORLD_SIZE right?)`,
      );
    }
    await sleep(POLL_MS);
  }
}

/**
 * Rank 0, failing: serves the store (30 s at most) until every rank has read the verdict — past the join deadline,
 * every rank that came.
 */
async function lingerForAcks(store: TcpStore, worldSize: number, deadline: number): Promise<void> {
  const until = Date.now() + VERDICT_LINGER_MS;
  const ranks = Array.from({ length: worldSize }, (_, r) => r);
  while (Date.now() < until) {
    const came = ranks.filter((r) => store.check([claimKey(r)]));
    const allCame = came.length === worldSize || Date.now() >= deadline;
    if (allCame && store.check(came.map(ackKey))) return;
    await sleep(POLL_MS);
  }
}

function whereOf(env: WorldEnv): string {
  return `world rendezvous at ${env.masterAddr}:${env.masterPort} (rank ${env.rank} of ${env.worldSize})`;
}

/**
 * Joins the world described by the environment: rank 0 hosts the store on MASTER_PORT, the others connect; all check
 * that they run the same config and world size; then they form the world's process group. Waiting for the others
 * keeps the event loop running, so signals stop a rank whose peers never come.
 */
export async function joinWorld(args: JoinWorldArgs): Promise<World> {
  const env = readWorldEnv(args.env);
  const timeoutMs = args.timeoutMs ?? DEFAULT_WORLD_TIMEOUT_MS;
  const joinTimeoutMs = args.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS;
  const hash = configHash(args.config);
  const deadline = Date.now() + joinTimeoutMs;
  if (env.rank !== 0) await waitForListener(env.masterAddr, env.masterPort, deadline, whereOf(env));
  const store = TcpStore.create({
    host: env.masterAddr,
    port: env.masterPort,
    worldSize: env.worldSize,
    isMaster: env.rank === 0,
    timeoutMs: Math.max(1, deadline - Date.now()),
  });
  let group: ProcessGroup;
  try {
    await agree(store, env, { configHash: hash, worldSize: env.worldSize }, joinTimeoutMs, deadline);
    group = ProcessGroup.create({
      store,
      rank: env.rank,
      worldSize: env.worldSize,
      timeoutMs,
      joinTimeoutMs,
      ...(args.backend === undefined ? {} : { backend: args.backend }),
    });
  } catch (e) {
    store.close();
    throw e;
  }
  let closed = false;
  return {
    rank: env.rank,
    worldSize: env.worldSize,
    localRank: env.localRank,
    configHash: hash,
    store,
    group,
    close() {
      if (closed) return;
      closed = true;
      group.close();
      store.close();
    },
  };
}
