import { describe, expect, it } from 'vitest';
import { editDistance, nearestName } from './nearest.js';

describe('nearestName', () => {
  it('counts single-character edits', () => {
    expect(editDistance('steps', 'steps')).toBe(0);
    expect(editDistance('step', 'steps')).toBe(1);
    expect(editDistance('stpes', 'steps')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('finds the closest candidate, by whole name or by the last dotted segment', () => {
    const keys = ['train.steps', 'train.lr', 'model.channels', 'model.window'];
    expect(nearestName('train.step', keys)).toBe('train.steps');
    expect(nearestName('Train.LR', keys)).toBe('train.lr');
    expect(nearestName('channels', keys)).toBe('model.channels');
    expect(nearestName('completely.different', keys)).toBeUndefined();
  });
});
