import { describe, expect, it } from 'vitest';
import { describeEnd, LinePrefixer } from './supervise.js';

describe('LinePrefixer', () => {
  it('prefixes whole lines across chunks and flushes an unfinished last line', () => {
    const written: string[] = [];
    const p = new LinePrefixer('[rank 1] ', (t) => written.push(t));
    p.push('a\nb');
    p.push('c\n\nd');
    expect(written.join('')).toBe('[rank 1] a\n[rank 1] bc\n[rank 1] \n');
    p.flush();
    p.flush();
    expect(written.join('')).toBe('[rank 1] a\n[rank 1] bc\n[rank 1] \n[rank 1] d\n');
  });
});

describe('describeEnd', () => {
  it('names the exit code or the signal', () => {
    expect(describeEnd({ code: 3, signal: null })).toBe('exited with code 3');
    expect(describeEnd({ code: null, signal: 'SIGKILL' })).toBe('was killed by SIGKILL');
  });
});
