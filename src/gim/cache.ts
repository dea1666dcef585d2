/**
 * ActivationCache: the outputs of frozen modules for a finite dataset of batches, kept once per pass so that iterative
 * training of module i neither recomputes nor holds modules < i. Batches stay in memory while the cache is under its
 * byte budget; past it they spill to disk as raw little-endian chunk files (`chunk-00000.bin`, …, batches appended
 * back to back) described by `index.json` (batch → chunk, byte offset, shape, dtype), under the cache's directory.
 *
 * Augmentation: the cache holds exactly the views it was given. With a finite dataset of batches whose batch(i) is a
 * pure function of i, each example is cached in the fixed augmented views its batches contain — to train later modules
 * on V augmented views per example, list each example in V batches (e.g. V × N batches). Later modules then see these
 * same V views every epoch instead of fresh augmentations.
 */
import fs from 'node:fs';
import path from 'node:path';
import { contiguous, keep, tensor, tidy, type DType, type Tensor } from '../tensor/index.js';
import { viewAs } from '../tensor/dtype.js';
import { writeFileAtomic } from '../util/fs.js';

const BYTES: Record<DType, number> = {
  uint8: 1,
  bool: 1,
  int32: 4,
  int64: 8,
  float16: 2,
  bfloat16: 2,
  float32: 4,
  float64: 8,
};

/** Where one spilled batch lies on disk. */
export interface DiskEntry {
  chunk: number;
  offset: number;
  shape: number[];
  dtype: DType;
}

/** The JSON index of a cache's chunk files. */
export interface CacheIndex {
  version: 1;
  entries: Record<string, DiskEntry>;
  chunks: string[];
}

/** Where a cache spills and how much it keeps in memory. */
export interface ActivationCacheArgs {
  /** Bytes of activations kept in memory before batches go to disk (0: everything on disk). */
  budgetBytes: number;
  /** Folder for chunk files and index.json (created on the first spill, removed by dispose()). */
  dir: string;
  /** A chunk file is closed once it reaches this size (default 64 MiB). */
  chunkBytes?: number;
}

/** Batch-indexed activations in memory up to a byte budget, then on disk in chunk files with a JSON index. */
export class ActivationCache {
  readonly budgetBytes: number;
  readonly dir: string;
  readonly chunkBytes: number;
  #memory = new Map<number, Tensor>();
  #index: CacheIndex = { version: 1, entries: {}, chunks: [] };
  #memoryBytes = 0;
  #diskBytes = 0;
  #chunkSize = 0;

  constructor(args: ActivationCacheArgs) {
    this.budgetBytes = args.budgetBytes;
    this.dir = args.dir;
    this.chunkBytes = args.chunkBytes ?? 64 * 2 ** 20;
  }

  /** Bytes held in memory / written to disk. */
  get memoryBytes(): number {
    return this.#memoryBytes;
  }
  get diskBytes(): number {
    return this.#diskBytes;
  }
  /** Batches cached (in memory and on disk). */
  get size(): number {
    return this.#memory.size + Object.keys(this.#index.entries).length;
  }

  has(batch: number): boolean {
    return this.#memory.has(batch) || String(batch) in this.#index.entries;
  }

  /** put(batch, t): cache t's values (gradient-free). In memory it shares t's storage; the caller may dispose t. */
  put(batch: number, t: Tensor): void {
    if (this.has(batch)) throw new Error(`ActivationCache: batch ${batch} is already cached`);
    const bytes = t.size * BYTES[t.dtype];
    if (this.#memoryBytes + bytes <= this.budgetBytes) {
      this.#memory.set(batch, keep(tidy(() => contiguous(t.detach()))));
      this.#memoryBytes += bytes;
    } else {
      this.#spill(batch, t, bytes);
    }
  }

  /** get(batch) → a new handle to the cached values (owned by the caller or the enclosing tidy). */
  get(batch: number): Tensor {
    const m = this.#memory.get(batch);
    if (m !== undefined) return m.detach();
    const e = this.#index.entries[String(batch)];
    if (e === undefined) throw new Error(`ActivationCache: batch ${batch} is not cached`);
    const n = e.shape.reduce((a, b) => a * b, 1) * BYTES[e.dtype];
    const buf = new ArrayBuffer(n);
    const fd = fs.openSync(path.join(this.dir, this.#index.chunks[e.chunk]!), 'r');
    try {
      let done = 0;
      while (done < n) {
        const r = fs.readSync(fd, new Uint8Array(buf, done), 0, n - done, e.offset + done);
        if (r === 0) throw new Error(`ActivationCache: chunk ${this.#index.chunks[e.chunk]} is truncated`);
        done += r;
      }
    } finally {
      fs.closeSync(fd);
    }
    return tensor(viewAs(buf, e.dtype), e.shape, { dtype: e.dtype });
  }

  /** The disk index (a copy), as written to index.json. */
  index(): CacheIndex {
    return structuredClone(this.#index);
  }

  #spill(batch: number, t: Tensor, bytes: number): void {
    fs.mkdirSync(this.dir, { recursive: true });
    if (this.#index.chunks.length === 0 || this.#chunkSize >= this.chunkBytes) {
      this.#index.chunks.push(`chunk-${String(this.#index.chunks.length).padStart(5, '0')}.bin`);
      this.#chunkSize = 0;
    }
    const chunk = this.#index.chunks.length - 1;
    const data = t.data(); // a contiguous copy
    fs.appendFileSync(
      path.join(this.dir, this.#index.chunks[chunk]!),
      new Uint8Array(data.buffer, data.byteOffset, bytes),
    );
    this.#index.entries[String(batch)] = { chunk, offset: this.#chunkSize, shape: [...t.shape], dtype: t.dtype };
    this.#chunkSize += bytes;
    this.#diskBytes += bytes;
    writeFileAtomic(path.join(this.dir, 'index.json'), JSON.stringify(this.#index));
  }

  /** Free the in-memory batches and delete the chunk files and index. */
  dispose(): void {
    for (const t of this.#memory.values()) t.dispose();
    this.#memory.clear();
    this.#memoryBytes = 0;
    if (this.#index.chunks.length > 0) {
      for (const c of this.#index.chunks) fs.rmSync(path.join(this.dir, c), { force: true });
      fs.rmSync(path.join(this.dir, 'index.json'), { force: true });
      try {
        fs.rmdirSync(this.dir);
      } catch {
        // the folder holds other files: leave it
      }
    }
    this.#index = { version: 1, entries: {}, chunks: [] };
    this.#diskBytes = 0;
    this.#chunkSize = 0;
  }
}
