import { describe, expect, it } from 'vitest';
import { batchIndex, checkLayout, placeOf, stageModules } from './layout.js';

describe('layout of a distributed run', () => {
  it('stages own contiguous groups of modules, sizes differing by at most one', () => {
    const groups = [0, 1, 2].map((s) => stageModules(s, 3, 6));
    expect(groups).toEqual([
      { first: 0, end: 2 },
      { first: 2, end: 4 },
      { first: 4, end: 6 },
    ]);
    const uneven = [0, 1].map((s) => stageModules(s, 2, 5));
    expect(uneven).toEqual([
      { first: 0, end: 2 },
      { first: 2, end: 5 },
    ]);
  });

  it('ranks are stage-major: the replicas of a stage are neighbours, replica r of each stage forms one pipeline', () => {
    const places = Array.from({ length: 6 }, (_, r) => placeOf(r, 6, 3, 6));
    expect(places.map((p) => [p.stage, p.replica])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ]);
    expect(places.map((p) => [p.previous, p.next])).toEqual([
      [null, 2],
      [null, 3],
      [0, 4],
      [1, 5],
      [2, null],
      [3, null],
    ]);
    expect(places[3]!.stageRanks).toEqual([2, 3]);
    expect(places[3]!.modules).toEqual({ first: 2, end: 4 });
  });

  it('replicas read disjoint batches', () => {
    const read = [0, 1, 2].flatMap((step) => [0, 1].map((r) => batchIndex(step, r, 2)));
    expect(read).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('checks: stages divide the world, at most one stage per module', () => {
    expect(() => checkLayout({ stages: 4, worldSize: 6 })).toThrow(/must divide the world size \(WORLD_SIZE 6\)/);
    expect(() => checkLayout({ stages: 4, modules: 3 })).toThrow(/exceeds the model's 3 module/);
    expect(() => placeOf(0, 3, 2, 6)).toThrow(/distributed\.stages \(2\)/);
  });
});
