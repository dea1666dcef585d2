import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessGroup, TcpStore, ncclAvailable } from './c10d.js';
import { tensor } from './ops/creation.js';
import { freePort, killAllRanks, processAlive, runRanks, type RankOutcome } from '../testing/ranks.js';

const RANK_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing', 'c10d-rank.ts');

afterEach(() => killAllRanks());

function results(outcomes: RankOutcome[]): Record<string, unknown>[] {
  for (const o of outcomes) {
    if (o.code !== 0 || o.result === null) {
      throw new Error(`rank ${o.rank} exited ${o.code ?? o.signal}: ${JSON.stringify(o.result)}\n${o.stderr}`);
    }
  }
  return outcomes.map((o) => o.result!);
}

describe('TcpStore', () => {
  it('sets, gets, counts and waits for keys; a master on port 0 picks a free port', () => {
    const store = TcpStore.create({ host: '127.0.0.1', port: 0, worldSize: 1, isMaster: true, timeoutMs: 2000 });
    try {
      expect(store.port).toBeGreaterThan(0);
      store.set('greeting', 'héllo');
      expect(store.get('greeting')).toBe('héllo');
      expect(store.add('n', 2)).toBe(2);
      expect(store.add('n', 3)).toBe(5);
      expect(store.check(['greeting'])).toBe(true);
      expect(store.check(['absent'])).toBe(false);
      expect(() => store.wait(['absent'], 200)).toThrow(/'absent'.*waited 200 ms on the store at 127\.0\.0\.1:/);
    } finally {
      store.close();
    }
    expect(() => store.get('greeting')).toThrow(/closed/);
  });

  it('a port already in use is a clear error naming the address', async () => {
    const server = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      expect(() => TcpStore.create({ host: '127.0.0.1', port, worldSize: 2, isMaster: true, timeoutMs: 1000 })).toThrow(
        new RegExp(`TcpStore master on 127\\.0\\.0\\.1:${port}.*Address already in use`),
      );
    } finally {
      server.close();
    }
  });
});

describe('ProcessGroup in one process', () => {
  it('a world of one rank: collectives are identities; nccl without the build is a clear error', async () => {
    const store = TcpStore.create({ host: '127.0.0.1', port: 0, worldSize: 1, isMaster: true, timeoutMs: 5000 });
    const pg = ProcessGroup.create({ store, rank: 0, worldSize: 1, timeoutMs: 5000 });
    try {
      expect([pg.rank, pg.size, pg.name]).toEqual([0, 1, 'world']);
      const t = tensor([1, 2, 3]);
      const work = pg.allreduce([t]);
      await work.wait();
      await work.wait(); // again: the same settled promise
      await pg.broadcast([t], 0).wait();
      await pg.barrier().wait();
      expect(t.toArray()).toEqual([1, 2, 3]);
      expect(() => pg.send(t, 1)).toThrow(/destination rank.*process group world/);
      expect(() => pg.newGroup([0, 0])).toThrow(/repeat/);
      if (!ncclAvailable()) {
        expect(() => ProcessGroup.create({ store, rank: 0, worldSize: 1, timeoutMs: 5000, backend: 'nccl' })).toThrow(
          /backend 'nccl' is not in this build.*use backend 'gloo'/,
        );
      }
    } finally {
      pg.close();
      store.close();
    }
  });
});

describe('ProcessGroup across processes (loopback)', () => {
  for (const worldSize of [2, 3]) {
    it(`${worldSize} ranks: allreduce sums, broadcast, tagged send/recv, barrier, a sub-group`, async () => {
      const outcomes = await runRanks({ script: RANK_SCRIPT, worldSize, env: { C10D_SCENARIO: 'collectives' } });
      const out = results(outcomes);
      for (const o of outcomes) expect(processAlive(o.pid), `rank ${o.rank} is still running`).toBe(false);
      const n = worldSize;
      const sumRanks = (n * (n - 1)) / 2;
      for (const r of out) {
        const rank = r.rank as number;
        expect(r.allreduce).toEqual([[sumRanks + n, 2 * (sumRanks + n)], [sumRanks]]);
        expect(r.broadcast).toEqual([n - 1, n - 1, n - 1]);
        if (rank === 0) expect(r.received).toEqual([]);
        else {
          expect(r.received).toEqual([
            [rank, 1],
            [rank, 2],
          ]);
          expect(r.ticks as number).toBeGreaterThan(0); // timers ran while the receives waited
        }
        if (rank === 0 || rank === n - 1) {
          expect(r.subSum).toEqual([1 + n]);
          expect(r.sub).toEqual({ rank: rank === 0 ? 0 : 1, size: 2, name: `group [0, ${n - 1}]` });
        } else {
          expect(r.sub).toBeNull();
        }
      }
    });
  }

  it('a recv from a rank that never sends rejects with an Error naming that rank, within the timeout', async () => {
    const timeoutMs = 1500;
    const out = results(
      await runRanks({
        script: RANK_SCRIPT,
        worldSize: 2,
        env: { C10D_SCENARIO: 'recv-timeout', C10D_TIMEOUT_MS: String(timeoutMs) },
      }),
    );
    const r1 = out[1]!;
    expect(r1.isError).toBe(true);
    expect(r1.error).toMatch(/^recv from rank 0 \(tag 4\) in process group world \(rank 1 of 2\): .*[Tt]imed out/);
    expect(r1.elapsedMs as number).toBeGreaterThanOrEqual(timeoutMs - 50);
    expect(r1.elapsedMs as number).toBeLessThan(timeoutMs + 5000);
  });

  it('a wrong world size (a rank that never comes) times out on every rank, naming the missing rank', async () => {
    const joinTimeoutMs = 8000; // long enough for the two ranks that come to start on a busy machine
    const outcomes = await runRanks({
      script: RANK_SCRIPT,
      worldSize: 3,
      ranks: [0, 1],
      env: { C10D_SCENARIO: 'missing-rank', C10D_JOIN_TIMEOUT_MS: String(joinTimeoutMs) },
    });
    for (const r of results(outcomes)) {
      expect(r.error).toMatch(/process group world \(rank \d of 3, gloo\): rank 2 did not join/);
      expect(r.elapsedMs as number).toBeLessThan(joinTimeoutMs + 5000);
    }
  });
});
