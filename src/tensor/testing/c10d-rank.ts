/**
 * One rank of a c10d test world (src/tensor/c10d.test.ts starts one process per rank). Reads RANK, WORLD_SIZE,
 * MASTER_PORT and C10D_SCENARIO; prints one line `RESULT <json>` and exits 0, also when the scenario's error is the
 * expected outcome (the JSON then has `error`).
 */
import { ProcessGroup, TcpStore } from '../c10d.js';
import { tensor } from '../ops/creation.js';

const rank = Number(process.env.RANK);
const worldSize = Number(process.env.WORLD_SIZE);
const port = Number(process.env.MASTER_PORT);
const scenario = process.env.C10D_SCENARIO ?? '';
const timeoutMs = Number(process.env.C10D_TIMEOUT_MS ?? '20000');
const joinTimeoutMs = Number(process.env.C10D_JOIN_TIMEOUT_MS ?? '30000');

// A rank that its parent lost must not outlive it.
setTimeout(() => process.exit(3), 60_000).unref();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function join(): { store: TcpStore; pg: ProcessGroup } {
  const store = TcpStore.create({ host: '127.0.0.1', port, worldSize, isMaster: rank === 0, timeoutMs: joinTimeoutMs });
  const pg = ProcessGroup.create({ store, rank, worldSize, timeoutMs, joinTimeoutMs });
  return { store, pg };
}

async function collectives(): Promise<Record<string, unknown>> {
  const { store, pg } = join();
  const a = tensor([rank + 1, 2 * (rank + 1)]); // [2]
  const b = tensor([rank], [1, 1]); // [1, 1]
  await pg.allreduce([a, b]).wait();

  const c = tensor([rank, rank, rank]); // [3]
  await pg.broadcast([c], worldSize - 1).wait();

  // Rank 0 sends two tagged tensors to each other rank, late and in the opposite order of the receives; the event
  // loop keeps ticking while the receives wait.
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const received: number[][] = [];
  if (rank === 0) {
    await sleep(200);
    const sends = [];
    for (let r = 1; r < worldSize; r++) {
      sends.push(pg.send(tensor([r, 2]), r, 2).wait(), pg.send(tensor([r, 1]), r, 1).wait());
    }
    await Promise.all(sends);
  } else {
    const t1 = tensor([0, 0]);
    const t2 = tensor([0, 0]);
    await pg.recv(t1, 0, 1).wait();
    await pg.recv(t2, 0, 2).wait();
    received.push(t1.toArray(), t2.toArray());
  }
  clearInterval(timer);
  await pg.barrier().wait();

  // A sub-group of the first and last rank: only they are in it.
  const sub = pg.newGroup([worldSize - 1, 0]);
  let subSum: number[] | null = null;
  if (sub !== undefined) {
    const s = tensor([rank + 1]);
    await sub.allreduce([s]).wait();
    subSum = s.toArray();
  }
  const subInfo = sub === undefined ? null : { rank: sub.rank, size: sub.size, name: sub.name };
  sub?.close();
  await pg.barrier().wait();
  pg.close();
  store.close();
  return { allreduce: [a.toArray(), b.toArray()], broadcast: c.toArray(), received, ticks, subSum, sub: subInfo };
}

async function recvTimeout(): Promise<Record<string, unknown>> {
  const { store, pg } = join();
  if (rank === 0) {
    store.wait(['done'], 30_000); // never sends; waits until rank 1 has seen its receive fail
    return {};
  }
  const started = Date.now();
  try {
    await pg.recv(tensor([0, 0]), 0, 4).wait();
    return { elapsedMs: Date.now() - started };
  } catch (e) {
    return { error: (e as Error).message, isError: e instanceof Error, elapsedMs: Date.now() - started };
  } finally {
    store.set('done', '1');
  }
}

function missingRank(): Record<string, unknown> {
  const started = Date.now();
  try {
    join();
    return { elapsedMs: Date.now() - started };
  } catch (e) {
    return { error: (e as Error).message, elapsedMs: Date.now() - started };
  }
}

const scenarios: Record<string, () => Promise<Record<string, unknown>> | Record<string, unknown>> = {
  collectives,
  'recv-timeout': recvTimeout,
  'missing-rank': missingRank,
};

try {
  const run = scenarios[scenario];
  if (run === undefined) throw new Error(`C10D_SCENARIO: unknown scenario '${scenario}'`);
  const result = await run();
  process.stdout.write(`RESULT ${JSON.stringify({ rank, ...result })}\n`);
  process.exit(0);
} catch (e) {
  process.stdout.write(`RESULT ${JSON.stringify({ rank, unexpected: (e as Error).message })}\n`);
  process.exit(1);
}
