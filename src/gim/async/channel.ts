/**
 * Bounded queues between threads over a MessagePort: the sender holds `capacity` credits, spends one per batch and
 * waits (backpressure) when it has none; the receiver buffers what arrives and returns a credit as soon as it takes a
 * batch out, before computing on it — so a sender waits for queue room, never for its receiver's learning.
 */
import { receiveMessageOnPort, type MessagePort, type TransferListItem } from 'node:worker_threads';
import type { ActivationMessage, CreditMessage, DataMessage, MeanMax } from './protocol.js';

/** A stop request that wakes every waiting queue operation. */
export class StopSignal {
  #requested = false;
  readonly #wakers = new Set<() => void>();

  /** True once request() was called. */
  get requested(): boolean {
    return this.#requested;
  }

  /** Ask every loop to stop; wakes current waiters. */
  request(): void {
    if (this.#requested) return;
    this.#requested = true;
    for (const w of this.#wakers) w();
    this.#wakers.clear();
  }

  /** Call `wake` on request (at once if already requested); returns the unsubscribe function. */
  onRequest(wake: () => void): () => void {
    if (this.#requested) {
      wake();
      return () => undefined;
    }
    this.#wakers.add(wake);
    return () => this.#wakers.delete(wake);
  }
}

/** Running mean and maximum. */
export class RunningStat {
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Add one observation. */
  add(v: number): void {
    this.#count++;
    this.#sum += v;
    this.#max = this.#count === 1 ? v : Math.max(this.#max, v);
  }

  /** {mean, max, count}; zeros when empty. */
  get value(): MeanMax {
    return { mean: this.#count === 0 ? 0 : this.#sum / this.#count, max: this.#max, count: this.#count };
  }
}

/** Wait until `ready()` is true, re-checking whenever `arm` fires; false if `stop` is requested first. */
async function waitFor(
  ready: () => boolean,
  arm: (wake: () => void) => void,
  disarm: () => void,
  stop: StopSignal,
): Promise<boolean> {
  while (!ready()) {
    if (stop.requested) return false;
    let unsubscribe = (): void => undefined;
    await new Promise<void>((resolve) => {
      arm(resolve);
      unsubscribe = stop.onRequest(resolve);
    });
    disarm();
    unsubscribe();
  }
  return !stop.requested;
}

/** A batch taken from an Inbox, with how many sender updates old it is. */
export interface Taken {
  message: ActivationMessage;
  staleness: number;
}

/** The receiving end of a bounded queue. */
export class Inbox {
  readonly #port: MessagePort;
  readonly #buffer: ActivationMessage[] = [];
  #ended = false;
  #latestCount = 0;
  #wake: (() => void) | null = null;
  /** Queue occupancy (buffered batches, the taken one included) seen at each take. */
  readonly occupancy = new RunningStat();

  constructor(port: MessagePort) {
    this.#port = port;
    port.on('message', (m: DataMessage) => this.#accept(m));
  }

  #accept(m: DataMessage): void {
    if (m.type === 'end') this.#ended = true;
    else {
      this.#buffer.push(m);
      this.#latestCount = Math.max(this.#latestCount, m.count);
    }
    this.#wake?.();
  }

  /** Pull every message already queued on the port (the event loop may not have delivered them yet). */
  #drain(): void {
    for (let r = receiveMessageOnPort(this.#port); r !== undefined; r = receiveMessageOnPort(this.#port))
      this.#accept(r.message as DataMessage);
  }

  /** The oldest buffered batch (waiting for one if needed), or null at the end of the stream or on stop. */
  async take(stop: StopSignal): Promise<Taken | null> {
    this.#drain();
    const ok = await waitFor(
      () => this.#buffer.length > 0 || this.#ended,
      (wake) => (this.#wake = wake),
      () => (this.#wake = null),
      stop,
    );
    this.#drain();
    const message = ok ? this.#buffer.shift() : undefined;
    if (message === undefined) return null;
    this.occupancy.add(this.#buffer.length + 1);
    this.#port.postMessage({ type: 'credit' } satisfies CreditMessage);
    return { message, staleness: this.#latestCount - message.count };
  }

  /** Close the port (pending batches are dropped). */
  close(): void {
    this.#port.close();
  }
}

/** The sending end of a bounded queue. */
export class Outbox {
  readonly #port: MessagePort;
  #credits: number;
  #wake: (() => void) | null = null;

  constructor(port: MessagePort, capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`queue capacity must be ≥ 1, got ${capacity}`);
    this.#port = port;
    this.#credits = capacity;
    port.on('message', (m: CreditMessage) => this.#accept(m));
  }

  #accept(m: CreditMessage): void {
    if (m.type === 'credit') this.#credits++;
    this.#wake?.();
  }

  /** Wait for a free slot downstream and reserve it; false on stop. */
  async acquire(stop: StopSignal): Promise<boolean> {
    for (let r = receiveMessageOnPort(this.#port); r !== undefined; r = receiveMessageOnPort(this.#port))
      this.#accept(r.message as CreditMessage);
    const ok = await waitFor(
      () => this.#credits > 0,
      (wake) => (this.#wake = wake),
      () => (this.#wake = null),
      stop,
    );
    if (ok) this.#credits--;
    return ok;
  }

  /** Send a batch into the reserved slot, transferring its buffers (zero-copy). */
  send(message: ActivationMessage): void {
    const transfer: TransferListItem[] = [message.x.buffer as ArrayBuffer];
    if (message.targets !== undefined && message.targets.buffer !== message.x.buffer)
      transfer.push(message.targets.buffer as ArrayBuffer);
    this.#port.postMessage(message satisfies DataMessage, transfer);
  }

  /** Tell the receiver no more batches come. */
  end(): void {
    this.#port.postMessage({ type: 'end' } satisfies DataMessage);
  }

  /** Close the port. */
  close(): void {
    this.#port.close();
  }
}
