/**
 * writeFileAtomic's durability, seen through the file-system calls it makes (node:fs wrapped, behaviour unchanged
 * unless a test injects a failure): the data are fsynced before the rename, the folder after it, and a write that dies
 * part-way leaves the old file as it was.
 */
import * as realFs from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

const calls: string[] = [];
const failure: { writeAfterBytes?: number } = {};

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const describeFd = (fd: number): string => {
    try {
      return actual.fstatSync(fd).isDirectory() ? 'folder' : 'file';
    } catch {
      return '?';
    }
  };
  return {
    ...actual,
    fsyncSync: (fd: number): void => {
      calls.push(`fsync ${describeFd(fd)}`);
      actual.fsyncSync(fd);
    },
    renameSync: (from: string, to: string): void => {
      calls.push(`rename ${basename(to)}`);
      actual.renameSync(from, to);
    },
    writeFileSync: (target: number | string, data: string | Uint8Array): void => {
      const limit = failure.writeAfterBytes;
      if (typeof target === 'number' && limit !== undefined) {
        actual.writeSync(target, Buffer.from(data).subarray(0, limit)); // part of the data, then the disk "fails"
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      actual.writeFileSync(target, data);
    },
  };
});

vi.resetModules(); // the setup file already loaded ./fs.js with the real node:fs
const { writeFileAtomic } = await import('./fs.js');

const dir = realFs.mkdtempSync(join(tmpdir(), 'gim-util-fs-durable-'));
afterAll(() => realFs.rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  calls.length = 0;
  delete failure.writeAfterBytes;
});

describe('writeFileAtomic durability', () => {
  it('fsyncs the data before the rename and the folder after it', () => {
    writeFileAtomic(join(dir, 'ordered.json'), '{"step": 1}\n');
    const folderSync = process.platform === 'win32' ? [] : ['fsync folder'];
    expect(calls).toEqual(['fsync file', 'rename ordered.json', ...folderSync]);
  });

  it('a write that fails part-way leaves the old file intact and no temporary file', () => {
    const file = join(dir, 'model.bin');
    writeFileAtomic(file, 'old contents, complete');
    failure.writeAfterBytes = 3;
    expect(() => writeFileAtomic(file, 'new contents that never fully reach the disk')).toThrow(/ENOSPC/);
    expect(realFs.readFileSync(file, 'utf8')).toBe('old contents, complete');
    expect(realFs.readdirSync(dir).filter((name) => name.startsWith('model.bin'))).toEqual(['model.bin']);
    expect(calls.filter((call) => call.startsWith('rename'))).toEqual(['rename model.bin']); // only the first write
  });
});
