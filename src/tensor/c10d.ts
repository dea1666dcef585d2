/**
 * libtorch's c10d, the engine of PyTorch's DDP: a TCP key-value store for rendezvous and process groups (Gloo on CPU,
 * NCCL when the addon was built with it) with send/recv, allreduce, broadcast and barrier. Every operation is posted
 * at once and returns a Work whose `wait()` is a promise settled from a native thread, so the event loop keeps
 * running while a rank waits; failures and timeouts reject with Errors naming the op, the peer rank and the group.
 */
import { native, type C10dGroupHandle, type C10dStoreHandle, type C10dWorkHandle } from './native.js';
import type { Tensor } from './tensor.js';

export interface TcpStoreArgs {
  /** The master's address (the master listens on it; the others connect to it). */
  host: string;
  /** The master's port; 0 on the master picks a free one (read it back from `port`). */
  port: number;
  /** How many ranks use the store. */
  worldSize: number;
  /** Whether this process hosts the store (rank 0, by convention). */
  isMaster: boolean;
  /** How long a client keeps trying to connect, and how long `get`/`wait` wait for a key. */
  timeoutMs: number;
}

/** A c10d TCPStore: a key-value store that one rank hosts and all ranks read and write (rendezvous, small values). */
export class TcpStore {
  readonly host: string;
  /** The port the master listens on (the one picked when created with port 0). */
  readonly port: number;
  readonly worldSize: number;
  readonly isMaster: boolean;
  readonly timeoutMs: number;
  /** @internal The native store, for the process groups that meet in it. */
  readonly handle: C10dStoreHandle;
  /** @internal How many top-level process groups were created on this store (each meets under its own prefix). */
  groupsCreated = 0;
  #closed = false;

  private constructor(handle: C10dStoreHandle, args: TcpStoreArgs) {
    this.handle = handle;
    this.host = args.host;
    this.port = native.c10dStorePort(handle);
    this.worldSize = args.worldSize;
    this.isMaster = args.isMaster;
    this.timeoutMs = args.timeoutMs;
  }

  /** Hosts (isMaster) or connects to the store. A client retries until timeoutMs; the master does not wait for them. */
  static create(args: TcpStoreArgs): TcpStore {
    const role = args.isMaster
      ? `TcpStore master on ${args.host}:${args.port}`
      : `TcpStore client of ${args.host}:${args.port}`;
    const what = `${role} (world size ${args.worldSize}, timeout ${args.timeoutMs} ms)`;
    const handle = native.c10dStoreCreate(args.host, args.port, args.worldSize, args.isMaster, args.timeoutMs, what);
    return new TcpStore(handle, args);
  }

  set(key: string, value: string): void {
    native.c10dStoreSet(this.handle, key, value);
  }
  /** The key's value, waiting (up to the store's timeout) until some rank sets it. */
  get(key: string): string {
    try {
      return native.c10dStoreGet(this.handle, key);
    } catch (e) {
      throw this.#waited(e, this.timeoutMs);
    }
  }
  /** Waits until every key is set; throws after timeoutMs (default: the store's) naming the keys. */
  wait(keys: string[], timeoutMs = this.timeoutMs): void {
    try {
      native.c10dStoreWait(this.handle, keys, timeoutMs);
    } catch (e) {
      throw this.#waited(e, timeoutMs);
    }
  }
  /** c10d says only "Socket Timeout": add how long it waited, and for whom. */
  #waited(e: unknown, timeoutMs: number): Error {
    const message = (e as Error).message;
    if (!/timeout/i.test(message)) return e as Error;
    return new Error(`${message} (waited ${timeoutMs} ms on the store at ${this.host}:${this.port})`, { cause: e });
  }
  /** Whether every key is set now (does not wait). */
  check(keys: string[]): boolean {
    return native.c10dStoreCheck(this.handle, keys);
  }
  /** Adds delta to the integer at key (0 when unset) and returns the sum: an atomic counter. */
  add(key: string, delta: number): number {
    return native.c10dStoreAdd(this.handle, key, delta);
  }
  /** Drops this process's store (the master stops serving). Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    native.c10dStoreClose(this.handle);
  }
}

/** The network device Gloo binds: a named interface or an address; by default, resolved as PyTorch does. */
export type GlooDevice = { interface: string } | { hostname: string };

export interface ProcessGroupArgs {
  store: TcpStore;
  rank: number;
  worldSize: number;
  /** Limit for each operation's wait (and for joining, unless joinTimeoutMs is given). */
  timeoutMs: number;
  /** How long create/newGroup wait for every rank to join (default: timeoutMs). */
  joinTimeoutMs?: number;
  /** 'gloo' (CPU tensors, and CUDA through host copies) or 'nccl' (CUDA tensors; a CUDA build of the addon). */
  backend?: 'gloo' | 'nccl';
  /**
   * Gloo's device. Default: GLOO_SOCKET_IFNAME when set (as in PyTorch); else the store's address when it is a
   * loopback one (all ranks on this machine); else the address this machine's hostname resolves to.
   */
  device?: GlooDevice;
}

/** A posted operation. */
export interface Work {
  /** Resolves when the operation completed; rejects when it failed or did not complete within the group's timeout. */
  wait(timeoutMs?: number): Promise<void>;
}

class PostedWork implements Work {
  readonly #handle: C10dWorkHandle;
  readonly #what: string;
  readonly #timeoutMs: number;
  #waiting: Promise<void> | null = null;
  constructor(handle: C10dWorkHandle, what: string, timeoutMs: number) {
    this.#handle = handle;
    this.#what = what;
    this.#timeoutMs = timeoutMs;
  }
  /** The first call waits; later calls return the same promise (a receive can be waited for only once in c10d). */
  wait(timeoutMs = this.#timeoutMs): Promise<void> {
    this.#waiting ??= native.c10dWorkWait(this.#handle, timeoutMs, this.#what);
    return this.#waiting;
  }
}

/** How often a joining rank looks for the others. */
const JOIN_POLL_MS = 50;

/** Blocks this thread (joining a group is synchronous, as in c10d). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function deviceOf(args: ProcessGroupArgs): ['interface' | 'hostname' | 'default', string] {
  const d = args.device;
  if (d !== undefined) return 'interface' in d ? ['interface', d.interface] : ['hostname', d.hostname];
  const iface = process.env.GLOO_SOCKET_IFNAME;
  if (iface !== undefined && iface !== '') return ['interface', iface];
  if (isLoopback(args.store.host)) return ['hostname', args.store.host === 'localhost' ? '127.0.0.1' : args.store.host];
  return ['default', ''];
}

function checkInt(n: number, lo: number, hi: number, what: string): void {
  if (!Number.isInteger(n) || n < lo || n > hi)
    throw new RangeError(`${what}: expected an integer in [${lo}, ${hi}], got ${n}`);
}

interface GroupPlace {
  name: string;
  prefix: string;
  /** World rank of each member, by group rank. */
  worldRanks: readonly number[];
}

/** A c10d process group: `size` ranks that exchange tensors. Every rank must post the same collectives in order. */
export class ProcessGroup {
  readonly rank: number;
  readonly size: number;
  /** 'world', or 'group [a, b, …]' (world ranks) for a sub-group. */
  readonly name: string;
  readonly timeoutMs: number;
  readonly backend: 'gloo' | 'nccl';
  /** World rank of each member, by rank in this group. */
  readonly worldRanks: readonly number[];
  readonly #handle: C10dGroupHandle;
  readonly #args: ProcessGroupArgs;
  readonly #prefix: string;
  #children = 0;
  #closed = false;

  private constructor(handle: C10dGroupHandle, args: ProcessGroupArgs, place: GroupPlace) {
    this.#handle = handle;
    this.#args = args;
    this.#prefix = place.prefix;
    this.rank = args.rank;
    this.size = args.worldSize;
    this.name = place.name;
    this.worldRanks = place.worldRanks;
    this.timeoutMs = args.timeoutMs;
    this.backend = args.backend ?? 'gloo';
  }

  /**
   * Joins the group: blocks until all worldSize ranks have joined (throws after timeoutMs naming the ranks that did
   * not), then connects them.
   */
  static create(args: ProcessGroupArgs): ProcessGroup {
    const n = args.store.groupsCreated++;
    const worldRanks = Array.from({ length: args.worldSize }, (_, i) => i);
    return ProcessGroup.#join(args, { name: n === 0 ? 'world' : `world #${n}`, prefix: `gim/pg/${n}/`, worldRanks });
  }

  static #join(args: ProcessGroupArgs, place: GroupPlace): ProcessGroup {
    checkInt(args.worldSize, 1, 2 ** 31 - 1, `process group ${place.name}: worldSize`);
    checkInt(args.rank, 0, args.worldSize - 1, `process group ${place.name}: rank`);
    checkInt(args.timeoutMs, 1, 2 ** 31 - 1, `process group ${place.name}: timeoutMs`);
    const joinTimeoutMs = args.joinTimeoutMs ?? args.timeoutMs;
    checkInt(joinTimeoutMs, 1, 2 ** 31 - 1, `process group ${place.name}: joinTimeoutMs`);
    const backend = args.backend ?? 'gloo';
    const what = `process group ${place.name} (rank ${args.rank} of ${args.worldSize}, ${backend})`;
    if (backend === 'nccl' && !native.c10dHasNccl()) {
      throw new Error(
        `${what}: backend 'nccl' is not in this build of the addon (it needs a CUDA libtorch with NCCL: set LIBTORCH ` +
          `and rebuild with nccl.h on the include path); use backend 'gloo'`,
      );
    }
    ProcessGroup.#awaitJoin(args.store, args.rank, joinTimeoutMs, place, what);
    const [deviceKind, device] = deviceOf(args);
    const handle = native.c10dGroupCreate(
      args.store.handle,
      place.prefix,
      args.rank,
      args.worldSize,
      args.timeoutMs,
      backend,
      deviceKind,
      device,
      what,
    );
    return new ProcessGroup(handle, args, place);
  }

  /**
   * Publishes this rank under the group's prefix and polls until every member has, so that a rank that never comes
   * is named (Gloo's own rendezvous would only say which key timed out).
   */
  static #awaitJoin(store: TcpStore, rank: number, timeoutMs: number, place: GroupPlace, what: string): void {
    const joined = (r: number): string => `${place.prefix}joined/${r}`;
    store.set(joined(rank), '1');
    const deadline = Date.now() + timeoutMs;
    let missing = place.worldRanks.filter((_, r) => r !== rank);
    const named = (): string => `${missing.length === 1 ? 'rank' : 'ranks'} ${missing.join(', ')} did not join`;
    for (;;) {
      try {
        missing = place.worldRanks.filter((_, r) => !store.check([joined(r)]));
      } catch (e) {
        throw new Error(
          `${what}: ${named()} (still missing when the store at ${store.host}:${store.port}, which rank 0 hosts, ` +
            `stopped answering: ${(e as Error).message})`,
          { cause: e },
        );
      }
      if (missing.length === 0) return;
      if (Date.now() >= deadline) {
        throw new Error(
          `${what}: ${named()} within ${timeoutMs} ms (are all ${place.worldRanks.length} ranks started, and is ` +
            `the world size right?)`,
        );
      }
      sleepSync(JOIN_POLL_MS);
    }
  }

  /** "rank 2" in the world; "rank 1 (world rank 2)" in a sub-group. */
  #peer(r: number): string {
    const w = this.worldRanks[r];
    return this.name === 'world' || w === undefined || w === r ? `rank ${r}` : `rank ${r} (world rank ${w})`;
  }
  #where(): string {
    return `in process group ${this.name} (rank ${this.rank} of ${this.size})`;
  }
  #work(handle: C10dWorkHandle, what: string): Work {
    return new PostedWork(handle, what, this.timeoutMs);
  }
  #checkPeer(r: number, role: string): void {
    checkInt(r, 0, this.size - 1, `${role} ${this.#where()}`);
  }

  /** Sends the tensor's values to rank dst, which receives them with the same tag. */
  send(tensor: Tensor, dst: number, tag = 0): Work {
    this.#checkPeer(dst, 'send: destination rank');
    const what = `send to ${this.#peer(dst)} (tag ${tag}) ${this.#where()}`;
    return this.#work(native.c10dGroupSend(this.#handle, tensor.handle, dst, tag, what), what);
  }
  /** Receives into the tensor (same shape and dtype as sent) from rank src's send with the same tag. */
  recv(tensor: Tensor, src: number, tag = 0): Work {
    this.#checkPeer(src, 'recv: source rank');
    const what = `recv from ${this.#peer(src)} (tag ${tag}) ${this.#where()}`;
    return this.#work(native.c10dGroupRecv(this.#handle, tensor.handle, src, tag, what), what);
  }
  /** Sums each tensor (any shapes) over the ranks, in place. */
  allreduce(tensors: Tensor[]): Work {
    const what = `allreduce of ${tensors.length} tensor(s) ${this.#where()}`;
    return this.#work(
      native.c10dGroupAllreduce(
        this.#handle,
        tensors.map((t) => t.handle),
        what,
      ),
      what,
    );
  }
  /** Copies rank root's tensors into every rank's (same shapes there), in place. */
  broadcast(tensors: Tensor[], root: number): Work {
    this.#checkPeer(root, 'broadcast: root rank');
    const what = `broadcast from ${this.#peer(root)} ${this.#where()}`;
    return this.#work(
      native.c10dGroupBroadcast(
        this.#handle,
        tensors.map((t) => t.handle),
        root,
        what,
      ),
      what,
    );
  }
  /** Completes when every rank has reached it. */
  barrier(): Work {
    const what = `barrier ${this.#where()}`;
    return this.#work(native.c10dGroupBarrier(this.#handle, what), what);
  }

  /**
   * A sub-group of these ranks (ranks of this group; in it, ranks are renumbered 0… in ascending order). Every rank
   * of this group must call it, in the same order as its other newGroup calls; ranks outside get undefined.
   */
  newGroup(ranks: number[]): ProcessGroup | undefined {
    const sorted = [...ranks].sort((a, b) => a - b);
    for (const r of sorted) checkInt(r, 0, this.size - 1, `newGroup ${this.#where()}: rank`);
    if (sorted.length === 0) throw new RangeError(`newGroup ${this.#where()}: expected at least one rank`);
    if (new Set(sorted).size !== sorted.length) {
      throw new RangeError(`newGroup ${this.#where()}: ranks repeat in [${ranks.join(', ')}]`);
    }
    const n = this.#children++;
    const rank = sorted.indexOf(this.rank);
    if (rank < 0) return undefined;
    const worldRanks = sorted.map((r) => this.worldRanks[r]!);
    const place = { name: `group [${worldRanks.join(', ')}]`, prefix: `${this.#prefix}${n}/`, worldRanks };
    return ProcessGroup.#join({ ...this.#args, rank, worldSize: sorted.length }, place);
  }

  /** Drops the group (its connections and threads). Wait for pending work first. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    native.c10dGroupClose(this.#handle);
  }
}

/** Whether this build of the addon has the NCCL backend. */
export function ncclAvailable(): boolean {
  return native.c10dHasNccl();
}
