/** Errors of the audio data readers: every message starts with the file it concerns. */
import { open, type FileHandle } from 'node:fs/promises';

/** An error about one data file; `file` is the path, and the message reads `<file>: <detail>`. */
export class DataFileError extends Error {
  override readonly name = 'DataFileError';

  /** `file` is named first in the message; `cause` keeps the underlying error, if any. */
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${detail}`, options);
  }
}

/** A short description of a Node fs error (`ENOENT: no such file`), or the error's message. */
export function describeFsError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory, not a file';
  if (e.code === 'ENOTDIR') return 'a folder in the path is a file, not a directory';
  return typeof e.message === 'string' ? e.message : String(err);
}

/** withFlacFile(path, read): open `path`, run `read` on its handle, close it; a failed open names the file. */
export async function withFlacFile<T>(path: string, read: (handle: FileHandle) => Promise<T>): Promise<T> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new DataFileError(path, `cannot read FLAC file: ${describeFsError(err)}`, { cause: err });
  }
  try {
    return await read(handle);
  } finally {
    await handle.close();
  }
}
