import { describe, expect, it } from 'vitest';
import {
  everyEntry,
  finiteNumber,
  integerIn,
  listOfLength,
  nonNegativeInteger,
  numberIn,
  oneOf,
  positiveInteger,
} from './check.js';

describe('argument checks', () => {
  it('return the value when it passes', () => {
    expect(positiveInteger('f', 'n', 3)).toBe(3);
    expect(nonNegativeInteger('f', 'n', 0)).toBe(0);
    expect(integerIn('f', 'n', -2, -3, 2)).toBe(-2);
    expect(finiteNumber('f', 'x', -1.5)).toBe(-1.5);
    expect(numberIn('f', 'p', 0, 0, 1, true)).toBe(0);
    expect(oneOf('f', 'mode', 'a', ['a', 'b'])).toBe('a');
    expect(listOfLength('f', 'xs', [1, 2], 2, 'layer')).toEqual([1, 2]);
  });

  it('throw `<function>: <argument> must be ..., got ...`', () => {
    expect(() => positiveInteger('f', 'n', 0)).toThrow(new RangeError('f: n must be a positive integer, got 0'));
    expect(() => positiveInteger('f', 'n', '3')).toThrow(new TypeError('f: n must be a positive integer, got "3"'));
    expect(() => nonNegativeInteger('f', 'n', -1)).toThrow('f: n must be a non-negative integer, got -1');
    expect(() => integerIn('f', 'n', 2 ** 53, 0, 2 ** 60)).toThrow(/f: n must be an integer in \[0, \d+\], got \d+/);
    expect(() => finiteNumber('f', 'x', Infinity)).toThrow('f: x must be a finite number, got Infinity');
    expect(() => numberIn('f', 'p', 1, 0, 1, true)).toThrow('f: p must be a number in [0, 1), got 1');
    expect(() => numberIn('f', 'p', NaN, 0, 1)).toThrow('f: p must be a number in [0, 1], got NaN');
    expect(() => oneOf('f', 'mode', 'c', ['a', 'b'])).toThrow('f: mode must be one of "a", "b", got "c"');
    expect(() => listOfLength('f', 'xs', [1], 2, 'layer')).toThrow(
      'f: xs must be a list of 2 entries (one per layer), got 1: [1]',
    );
    expect(() => everyEntry('f', 'xs', [1, 0], positiveInteger)).toThrow('f: xs[1] must be a positive integer, got 0');
  });
});
