/**
 * Atomic, durable file writes for any layer, and folder creation with errors that name their purpose. An atomic write
 * puts the bytes in a temporary file beside the target, fsyncs it, renames it over the target and fsyncs the folder:
 * a crash at any point leaves either the old file or the new one, never a torn mix.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The temporary file of an atomic write of `path`: `<path>.<pid>.<8 hex digits>.tmp`, in the same folder. */
function temporaryPathFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Errors of file systems or permissions that do not let a folder be fsynced (the rename has then already happened). */
const FOLDER_FSYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EISDIR', 'EPERM', 'EACCES']);

/** fsync a folder, so that a rename in it survives a crash; skipped where the platform cannot (Windows, some FUSE). */
function fsyncFolder(folder: string): void {
  if (process.platform === 'win32') return; // folders cannot be opened for fsync there
  let fd: number;
  try {
    fd = openSync(folder, 'r');
  } catch (err) {
    if (FOLDER_FSYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!FOLDER_FSYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    closeSync(fd);
  }
}

/** Remove a temporary file, best effort: the error that made the write fail is the one to report. */
function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // the original error is what matters
  }
}

/**
 * Write `data` to `path` atomically and durably (its folder is created): temporary file in the same folder, write,
 * fsync the file, rename over `path`, fsync the folder. On failure the temporary file is removed and any previous file
 * at `path` is left as it was.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const folder = dirname(path);
  makeDirectory(folder, path);
  const temporary = temporaryPathFor(path);
  let renamed = false;
  try {
    const fd = openSync(temporary, 'wx');
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    renamed = true;
  } finally {
    if (!renamed) removeQuietly(temporary);
  }
  fsyncFolder(folder);
}

/** writeJsonAtomic(file, value): {@link writeFileAtomic} of the value as 2-space-indented JSON and a newline. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * makeDirectory(dir, what): create `dir` and its missing parents, one level at a time, and fail with a message that
 * names `what` (the argument or file it is for). Node 20's recursive mkdir never returns for a path under /proc, and
 * reports an empty path or a dangling link only by its errno.
 */
export function makeDirectory(dir: string, what: string): void {
  if (dir === '') throw new Error(`${what}: the folder path is empty`);
  const missing: string[] = [];
  for (let current = resolve(dir); ;) {
    const found = statOrNothing(current);
    if (found !== undefined) {
      if (!found.isDirectory()) throw new Error(`${what}: cannot create ${dir}: ${current} is a file, not a folder`);
      break;
    }
    const parent = dirname(current);
    if (parent === current) break;
    missing.push(current);
    current = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new Error(`${what}: cannot create ${dir}: ${folder}: ${code}`, { cause: err });
    }
  }
}

/** The stat of `file`, or undefined when it or a folder on its path is missing or is not a folder. */
function statOrNothing(file: string): ReturnType<typeof statSync> {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}
