/** Atomic file writes for any layer: a temporary file beside the target, then a rename over it. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Write data to path atomically (its folder is created): a temporary file beside it, then rename. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  makeDirectory(dirname(path), path);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
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
