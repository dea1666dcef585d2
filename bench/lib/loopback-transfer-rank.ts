/**
 * One rank of bench/distributed-loopback.ts's transfer measurement: joins the world from the torchrun variables and,
 * for each size in SIZES_BYTES, times an allreduce of that many float32 bytes over all ranks and (ranks 0 and 1) a
 * ping-pong of send/recv, each the median of REPEATS after one warm-up. Prints `RESULT <json>` (rank 0's timings).
 */
import { joinWorld } from '../../src/gim/distributed/world.js';
import { zeros } from '../../src/tensor/index.js';

const REPEATS = 7;
const sizes = (process.env.SIZES_BYTES ?? '').split(',').map(Number);
const world = await joinWorld({ config: { bench: 'loopback-transfer' }, timeoutMs: 120_000, joinTimeoutMs: 60_000 });
const { group, rank } = world;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const rows: { bytes: number; allreduceMs: number; oneWayMs: number | null }[] = [];
for (const bytes of sizes) {
  const t = zeros([bytes / 4]); // [N] float32
  const allreduce: number[] = [];
  const oneWay: number[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    await group.barrier().wait();
    const started = performance.now();
    await group.allreduce([t]).wait();
    if (i > 0) allreduce.push(performance.now() - started);
  }
  for (let i = 0; i <= REPEATS; i++) {
    await group.barrier().wait();
    const started = performance.now();
    if (rank === 0) {
      await group.send(t, 1).wait();
      await group.recv(t, 1).wait();
    } else if (rank === 1) {
      await group.recv(t, 0).wait();
      await group.send(t, 0).wait();
    }
    if (i > 0) oneWay.push((performance.now() - started) / 2);
  }
  t.dispose();
  rows.push({ bytes, allreduceMs: median(allreduce), oneWayMs: world.worldSize > 1 ? median(oneWay) : null });
}
world.close();
if (rank === 0) process.stdout.write(`RESULT ${JSON.stringify({ worldSize: world.worldSize, rows })}\n`);
process.exit(0);
