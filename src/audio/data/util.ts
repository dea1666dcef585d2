/** Small helpers of the audio data readers: bounded concurrency and a byte-budget LRU cache. */

/** Run `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return out;
}

/** A string-keyed cache holding at most `budget` bytes (as `sizeOf` counts them), least recently used dropped first. */
export class ByteBudgetCache<V> {
  private readonly map = new Map<string, V>(); // insertion order = least recently used first
  private bytes = 0;

  /** `budget` 0 disables caching; a value larger than the budget is never kept. */
  constructor(
    readonly budget: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  /** The cached value (now the most recently used), or undefined. */
  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (hit === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit;
  }

  /** Cache `value`, evicting least recently used entries to stay within the budget. */
  set(key: string, value: V): void {
    const old = this.map.get(key);
    if (old !== undefined) {
      this.map.delete(key);
      this.bytes -= this.sizeOf(old);
    }
    const size = this.sizeOf(value);
    if (size > this.budget) return;
    for (const [k, v] of this.map) {
      if (this.bytes + size <= this.budget) break;
      this.map.delete(k);
      this.bytes -= this.sizeOf(v);
    }
    this.map.set(key, value);
    this.bytes += size;
  }

  /** Bytes held now. */
  get size(): number {
    return this.bytes;
  }

  /** Drop everything. */
  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}
