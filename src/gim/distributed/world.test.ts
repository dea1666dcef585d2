import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson, configHash, readWorldEnv } from './world.js';
import { killAllRanks, runRanks, type RankOutcome } from '../../testing/ranks.js';

const RANK_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing', 'world-rank.ts');

afterEach(() => killAllRanks());

function results(outcomes: RankOutcome[]): Record<string, unknown>[] {
  for (const o of outcomes) {
    if (o.code !== 0 || o.result === null) throw new Error(`rank ${o.rank} exited ${o.code ?? o.signal}\n${o.stderr}`);
  }
  return outcomes.map((o) => o.result!);
}

const GOOD = { RANK: '1', WORLD_SIZE: '2', LOCAL_RANK: '1', MASTER_ADDR: '127.0.0.1', MASTER_PORT: '29500' };

describe('readWorldEnv', () => {
  it('reads the torchrun variables', () => {
    expect(readWorldEnv(GOOD)).toEqual({
      rank: 1,
      worldSize: 2,
      localRank: 1,
      masterAddr: '127.0.0.1',
      masterPort: 29500,
    });
  });

  it('a missing or invalid variable is an error naming it', () => {
    for (const name of Object.keys(GOOD)) {
      const env: Record<string, string> = { ...GOOD };
      delete env[name];
      expect(() => readWorldEnv(env), name).toThrow(new RegExp(`^${name} is not set`));
    }
    expect(() => readWorldEnv({ ...GOOD, RANK: '2' })).toThrow(/^RANK must be an integer in \[0, 1\], got '2'/);
    expect(() => readWorldEnv({ ...GOOD, WORLD_SIZE: 'two' })).toThrow(/^WORLD_SIZE must be an integer/);
    expect(() => readWorldEnv({ ...GOOD, WORLD_SIZE: '0' })).toThrow(/^WORLD_SIZE must be an integer in \[1/);
    expect(() => readWorldEnv({ ...GOOD, LOCAL_RANK: '-1' })).toThrow(/^LOCAL_RANK must be an integer/);
    expect(() => readWorldEnv({ ...GOOD, MASTER_PORT: '70000' })).toThrow(
      /^MASTER_PORT must be an integer in \[1, 65535\]/,
    );
    expect(() => readWorldEnv({ ...GOOD, MASTER_PORT: '1.5' })).toThrow(/^MASTER_PORT must be an integer/);
  });
});

describe('configHash', () => {
  it('ignores key order and sees every value', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 4, e: 5 }] } })).toBe(
      '{"a":{"c":[3,{"e":5,"f":4}],"d":2},"b":1}',
    );
    expect(configHash({ a: 1, b: 2 })).toBe(configHash({ b: 2, a: 1 }));
    expect(configHash({ a: 1, b: 2 })).not.toBe(configHash({ a: 1, b: 3 }));
  });
});

describe('joinWorld across processes (loopback)', () => {
  it('3 ranks agree, form a group, and sum their ranks', async () => {
    const out = results(await runRanks({ script: RANK_SCRIPT, worldSize: 3 }));
    const hashes = new Set(out.map((r) => r.configHash));
    expect(hashes.size).toBe(1);
    out.forEach((r, i) => {
      expect(r).toMatchObject({ rank: i, worldSize: 3, localRank: i, sum: 3 });
    });
  });

  it('a rank with another config: every rank fails naming it', async () => {
    const out = results(
      await runRanks({
        script: RANK_SCRIPT,
        worldSize: 3,
        rankEnv: (r) => (r === 1 ? { WORLD_CONFIG_VARIANT: 'b' } : {}),
      }),
    );
    for (const r of out) expect(r.error).toMatch(/ranks disagree: rank 1's config differs from rank 0's/);
  });

  it('a rank that believes another world size: every rank fails naming it', async () => {
    const out = results(
      await runRanks({ script: RANK_SCRIPT, worldSize: 2, rankEnv: (r) => (r === 1 ? { WORLD_SIZE: '3' } : {}) }),
    );
    for (const r of out) expect(r.error).toMatch(/ranks disagree: rank 1 believes WORLD_SIZE=3, rank 0 believes 2/);
  });

  it('a rank that never comes: the others fail at the deadline naming it, their event loops running', async () => {
    const joinTimeoutMs = 8000;
    const out = results(
      await runRanks({
        script: RANK_SCRIPT,
        worldSize: 3,
        ranks: [0, 1],
        env: { WORLD_JOIN_TIMEOUT_MS: String(joinTimeoutMs) },
      }),
    );
    for (const r of out) {
      expect(r.error).toMatch(/rank 2 did not come within 8000 ms/);
      expect(r.ticks as number).toBeGreaterThan(10); // the event loop ran while the rank waited
      expect(r.elapsedMs as number).toBeLessThan(joinTimeoutMs + 5000);
    }
  });
});
