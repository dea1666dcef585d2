/**
 * Activations between pipeline stages, over c10d send/recv: each message is a small header (what follows, the step,
 * the shape) then the detached activations themselves. A send completes once the receiving rank has posted its recv,
 * so an Outbox that holds at most Q unfinished messages lets its stage run at most Q batches ahead of the next one —
 * the bounded staleness of --mode async, with no message flowing backwards. The last message says the stream ended.
 */
import { contiguous, tensor, zeros, type Device, type ProcessGroup, type Tensor } from '../../tensor/index.js';

const HEADER_TAG = 0;
const DATA_TAG = 1;
/** The most dimensions an activation may have. */
const MAX_DIMS = 8;
/** [kind, step, ndim, dim0 … dim7] as float64 (exact for any step or size this side of 2^53). */
const HEADER_LENGTH = 3 + MAX_DIMS;
const DATA = 0;
const END = 1;

/** What one unfinished message holds until its sends complete. */
interface InFlight {
  step: number;
  tensors: Tensor[];
  done: Promise<void>;
  settled: boolean;
}

/** Counters of an Outbox. */
export interface OutboxStats {
  messages: number;
  bytes: number;
  /** Unfinished messages when each was posted (this one included): mean and max. */
  queueMean: number;
  queueMax: number;
  /** Updates this stage had made since producing a batch's activations when the next stage took them. */
  stalenessMean: number;
  stalenessMax: number;
  /** Milliseconds spent waiting for room (the next stage behind by Q batches). */
  waitMs: number;
}

/** The sending end: post(activations, step) waits while Q messages are unfinished. */
export class Outbox {
  readonly #group: ProcessGroup;
  readonly #peer: number;
  readonly #capacity: number;
  readonly #inFlight: InFlight[] = [];
  /** This stage's updates so far (set by the caller after each update): staleness is measured against it. */
  updates = 0;
  /** The staleness of the newest message taken (−1 before any). */
  lastStaleness = -1;
  #messages = 0;
  #bytes = 0;
  #queueSum = 0;
  #queueMax = 0;
  #stalenessSum = 0;
  #stalenessCount = 0;
  #stalenessMax = 0;
  #waitMs = 0;
  #failure: Error | null = null;

  constructor(args: { group: ProcessGroup; peer: number; capacity: number }) {
    this.#group = args.group;
    this.#peer = args.peer;
    this.#capacity = args.capacity;
  }

  /**
   * Sends the activations of `step` (made before this stage's update of that step); returns the bytes posted and the
   * unfinished messages at that moment (this one included).
   */
  async post(activations: Tensor, step: number): Promise<{ bytes: number; queue: number }> {
    if (activations.shape.length > MAX_DIMS) {
      throw new Error(`pipeline: activations of ${activations.shape.length} dimensions (at most ${MAX_DIMS})`);
    }
    if (activations.dtype !== 'float32') {
      throw new Error(`pipeline: activations must be float32 to be sent, got ${activations.dtype}`);
    }
    await this.#room(this.#capacity - 1);
    const data = contiguous(activations);
    const bytes = data.size * 4;
    const queue = this.#send(DATA, step, data, bytes);
    return { bytes, queue };
  }

  /** Says the stream ended after `steps` steps, then waits until every message was taken. */
  async end(steps: number): Promise<void> {
    this.#send(END, steps, null, 0);
    await this.#room(0);
  }

  /** Waits until this many messages or fewer are unfinished, disposing the finished ones. */
  async #room(most: number): Promise<void> {
    const started = performance.now();
    while (this.#inFlight.length > most) {
      const oldest = this.#inFlight.shift()!;
      await oldest.done;
      for (const t of oldest.tensors) t.dispose();
    }
    this.#waitMs += performance.now() - started;
    if (this.#failure !== null) throw this.#failure;
  }

  /** Posts one message; returns the unfinished messages after posting it. */
  #send(kind: number, step: number, data: Tensor | null, bytes: number): number {
    const shape = data?.shape ?? [];
    const dims = [...shape, ...new Array<number>(MAX_DIMS - shape.length).fill(0)];
    const header = tensor(Float64Array.from([kind, step, shape.length, ...dims])); // [HEADER_LENGTH]
    const works = [this.#group.send(header, this.#peer, HEADER_TAG)];
    if (data !== null) works.push(this.#group.send(data, this.#peer, DATA_TAG));
    const entry: InFlight = {
      step,
      tensors: data === null ? [header] : [header, data],
      done: Promise.resolve(),
      settled: false,
    };
    entry.done = Promise.all(works.map((w) => w.wait())).then(
      () => {
        entry.settled = true;
        if (kind !== DATA) return;
        const staleness = this.updates - step;
        this.lastStaleness = staleness;
        this.#stalenessSum += staleness;
        this.#stalenessCount++;
        this.#stalenessMax = Math.max(this.#stalenessMax, staleness);
      },
      (e: unknown) => {
        this.#failure ??= e instanceof Error ? e : new Error(String(e));
        throw this.#failure;
      },
    );
    entry.done.catch(() => undefined); // awaited in #room; a failure nobody waits for is not an unhandled rejection
    this.#inFlight.push(entry);
    const depth = this.#inFlight.filter((f) => !f.settled).length;
    if (kind === DATA) {
      this.#messages++;
      this.#bytes += bytes + HEADER_LENGTH * 8;
      this.#queueSum += depth;
      this.#queueMax = Math.max(this.#queueMax, depth);
    }
    return depth;
  }

  stats(): OutboxStats {
    return {
      messages: this.#messages,
      bytes: this.#bytes,
      queueMean: this.#messages === 0 ? 0 : this.#queueSum / this.#messages,
      queueMax: this.#queueMax,
      stalenessMean: this.#stalenessCount === 0 ? 0 : this.#stalenessSum / this.#stalenessCount,
      stalenessMax: this.#stalenessMax,
      waitMs: this.#waitMs,
    };
  }

  /** Frees what is still held (after a failure); the messages are not waited for. */
  dispose(): void {
    for (const f of this.#inFlight.splice(0)) for (const t of f.tensors) t.dispose();
  }
}

/** One message taken from an Inbox: the activations of a step, or the end of the stream after `step` steps. */
export type Received = { kind: 'data'; step: number; activations: Tensor } | { kind: 'end'; step: number };

/** The receiving end: take() waits for the next message from the previous stage. */
export class Inbox {
  readonly #group: ProcessGroup;
  readonly #peer: number;
  readonly #device: Device;
  #waitMs = 0;
  #bytes = 0;

  constructor(args: { group: ProcessGroup; peer: number; device: Device }) {
    this.#group = args.group;
    this.#peer = args.peer;
    this.#device = args.device;
  }

  async take(): Promise<Received> {
    const started = performance.now();
    const header = zeros([HEADER_LENGTH], { dtype: 'float64' });
    let values: number[];
    try {
      await this.#group.recv(header, this.#peer, HEADER_TAG).wait();
      values = header.toArray();
    } finally {
      header.dispose();
    }
    const [kind, step, ndim] = values as [number, number, number];
    if (kind === END) {
      this.#waitMs += performance.now() - started;
      return { kind: 'end', step };
    }
    const shape = values.slice(3, 3 + ndim); // e.g. [B, C, T]
    const activations = zeros(shape, { device: this.#device });
    try {
      await this.#group.recv(activations, this.#peer, DATA_TAG).wait();
    } catch (e) {
      activations.dispose();
      throw e;
    }
    this.#waitMs += performance.now() - started;
    this.#bytes += activations.size * 4 + HEADER_LENGTH * 8;
    return { kind: 'data', step, activations };
  }

  /** Milliseconds spent waiting in take(), and bytes received. */
  stats(): { waitMs: number; bytes: number } {
    return { waitMs: this.#waitMs, bytes: this.#bytes };
  }
}
