import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirectory, writeFileAtomic, writeJsonAtomic } from './fs.js';

const dir = mkdtempSync(join(tmpdir(), 'gim-util-fs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('atomic writes', () => {
  it('writeFileAtomic creates the folder, replaces the file and leaves no temporary file', () => {
    const file = join(dir, 'a', 'b', 'out.txt');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, Buffer.from('two'));
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['out.txt']);
  });

  it('writeJsonAtomic writes 2-space JSON and a newline', () => {
    const file = join(dir, 'x.json');
    writeJsonAtomic(file, { a: [1, 2] });
    expect(readFileSync(file, 'utf8')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}\n');
  });

  it('removes the temporary file when the write fails', () => {
    const target = join(dir, 'is-a-dir');
    writeFileAtomic(join(target, 'inner.txt'), 'x'); // target is now a non-empty folder: rename over it fails
    expect(() => writeFileAtomic(target, 'y')).toThrow();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('makeDirectory', () => {
  it('creates missing parents; a file, an empty path, a dangling link or /proc are errors naming what it was for', () => {
    makeDirectory(join(dir, 'a', 'b', 'c'), '--out');
    expect(statSync(join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
    makeDirectory(join(dir, 'a'), '--out'); // already there
    writeFileSync(join(dir, 'plain'), '');
    expect(() => makeDirectory(join(dir, 'plain', 'x'), '--out')).toThrow(/^--out: cannot create .*plain is a file/);
    expect(() => makeDirectory('', '--run')).toThrow('--run: the folder path is empty');
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    expect(() => makeDirectory(join(dir, 'dangling', 'x'), '--run')).toThrow(/^--run: cannot create .*dangling/);
    if (statSync('/proc/self', { throwIfNoEntry: false }) !== undefined) {
      expect(() => makeDirectory('/proc/gim-no-such/x', 'run folder')).toThrow(/^run folder: cannot create/);
    }
  });
});
