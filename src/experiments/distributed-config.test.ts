import { describe, expect, it } from 'vitest';
import { resolveAudioConfig } from './audio/config.js';
import { resolveVisionConfig } from './vision/config.js';
import { distributedRankEnv } from '../gim/distributed/rank-env.js';

const RANK_ENV = { RANK: '0', WORLD_SIZE: '4', LOCAL_RANK: '0', MASTER_ADDR: '127.0.0.1', MASTER_PORT: '29500' };

describe('the distributed section of the configs', () => {
  it('defaults: one stage, Q = 2, gloo; train.mode distributed is a mode of both experiments', () => {
    for (const c of [resolveAudioConfig('tiny'), resolveVisionConfig('tiny')]) {
      expect(c.distributed).toMatchObject({ stages: 1, queue: 2, backend: 'gloo' });
      expect(c.distributed.timeoutMs).toBeGreaterThan(0);
    }
    const audio = resolveAudioConfig('tiny', { train: { mode: 'distributed' }, distributed: { stages: 3 } });
    expect(audio.distributed.stages).toBe(3);
    expect(audio.train.mode).toBe('distributed');
  });

  it('refuses more stages than modules, naming the key', () => {
    const modules = resolveAudioConfig('tiny').model.modelSplits;
    expect(() => resolveAudioConfig('tiny', { distributed: { stages: modules + 1 } })).toThrow(
      new RegExp(`distributed\\.stages.*${modules + 1}.*exceeds the model's ${modules} module`),
    );
    expect(() => resolveVisionConfig('tiny', { distributed: { stages: 9 } })).toThrow(/distributed\.stages/);
    expect(() => resolveAudioConfig('tiny', { distributed: { stages: 0 } })).toThrow(/distributed\.stages/);
    expect(() => resolveAudioConfig('tiny', { distributed: { queue: 0 } })).toThrow(/distributed\.queue/);
    expect(() => resolveAudioConfig('tiny', { distributed: { backend: 'mpi' as 'gloo' } })).toThrow(
      /distributed\.backend/,
    );
  });

  it('refuses labelled objectives in distributed mode', () => {
    expect(() => resolveAudioConfig('tiny', { train: { mode: 'distributed', objective: 'speaker' } })).toThrow(
      /train\.mode 'distributed'.*speaker/,
    );
    expect(() => resolveVisionConfig('tiny', { train: { mode: 'distributed', objective: 'supervised' } })).toThrow(
      /train\.mode 'distributed'.*supervised/,
    );
  });
});

describe('distributedRankEnv', () => {
  it('without the rank variables: says to use gim launch or set them', () => {
    expect(() => distributedRankEnv({ stages: 3, modules: 6, env: {} })).toThrow(
      /gim launch --nproc-per-node 3 -- train.*RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT.*WORLD_SIZE is not set/,
    );
  });

  it('stages must divide the world size', () => {
    expect(() => distributedRankEnv({ stages: 3, modules: 6, env: RANK_ENV })).toThrow(
      /distributed\.stages \(3\) must divide the world size \(WORLD_SIZE 4\)/,
    );
    expect(distributedRankEnv({ stages: 2, modules: 6, env: RANK_ENV })).toMatchObject({ rank: 0, worldSize: 4 });
  });
});
