import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Inbox, Outbox, RunningStat, StopSignal } from './channel.js';
import type { ActivationMessage } from './protocol.js';

const batch = (seq: number, count: number): ActivationMessage => ({
  type: 'batch',
  seq,
  x: new Float32Array([seq]),
  shape: [1],
  count,
});
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 10));

describe('bounded queue over a MessagePort', () => {
  it('makes the sender wait when the queue is full and frees a slot per batch taken', async () => {
    const { port1, port2 } = new MessageChannel();
    const out = new Outbox(port1, 2);
    const inbox = new Inbox(port2);
    const stop = new StopSignal();
    for (const i of [0, 1]) {
      expect(await out.acquire(stop)).toBe(true);
      out.send(batch(i, i + 1));
    }
    let third = false;
    const pending = out.acquire(stop).then((ok) => (third = ok));
    await tick();
    expect(third).toBe(false); // backpressure: two batches queued, none taken
    const a = await inbox.take(stop);
    expect(a?.message.seq).toBe(0);
    expect(Array.from(a!.message.x)).toEqual([0]);
    expect(a?.staleness).toBe(1); // the sender had made 2 updates; this batch came after its first
    await pending;
    expect(third).toBe(true);
    out.send(batch(2, 3));
    out.end();
    expect((await inbox.take(stop))?.staleness).toBe(1);
    expect((await inbox.take(stop))?.staleness).toBe(0);
    expect(await inbox.take(stop)).toBeNull(); // end of stream
    expect(inbox.occupancy.value.max).toBeLessThanOrEqual(2);
    expect(inbox.occupancy.value.count).toBe(3);
    out.close();
    inbox.close();
  });

  it('wakes a waiting take and a waiting acquire on stop', async () => {
    const { port1, port2 } = new MessageChannel();
    const out = new Outbox(port1, 1);
    const inbox = new Inbox(port2);
    const stop = new StopSignal();
    expect(await out.acquire(stop)).toBe(true);
    const waits = Promise.all([inbox.take(stop), out.acquire(stop)]);
    await tick();
    stop.request();
    expect(await waits).toEqual([null, false]);
    out.close();
    inbox.close();
  });

  it('transfers the activation buffers (zero-copy: the sender’s copy is detached)', async () => {
    const { port1, port2 } = new MessageChannel();
    const out = new Outbox(port1, 1);
    const inbox = new Inbox(port2);
    const stop = new StopSignal();
    const m = { ...batch(0, 0), targets: new BigInt64Array([3n]), targetsShape: [1] };
    await out.acquire(stop);
    out.send(m);
    expect(m.x.byteLength).toBe(0);
    expect(m.targets.byteLength).toBe(0);
    const got = await inbox.take(stop);
    expect(Array.from(got!.message.targets!)).toEqual([3n]);
    out.close();
    inbox.close();
  });
});

describe('RunningStat', () => {
  it('keeps mean and max', () => {
    const s = new RunningStat();
    expect(s.value).toEqual({ mean: 0, max: 0, count: 0 });
    for (const v of [1, 3, 2]) s.add(v);
    expect(s.value).toEqual({ mean: 2, max: 3, count: 3 });
  });
});
