/**
 * One rank of a world test (src/gim/distributed/world.test.ts): joins the world from the torchrun variables with a
 * config (WORLD_CONFIG_VARIANT changes it), sums its rank over the world, and prints `RESULT <json>`; a failed join
 * is reported in the JSON (`error`), not as a crash.
 */
import { tensor } from '../../../tensor/index.js';
import { joinWorld } from '../world.js';

setTimeout(() => process.exit(3), 60_000).unref();

const config = {
  preset: 'audio-tiny',
  training: { lr: 2e-4, batch: 8 },
  variant: process.env.WORLD_CONFIG_VARIANT ?? 'a',
};
const joinTimeoutMs = Number(process.env.WORLD_JOIN_TIMEOUT_MS ?? '30000');
const started = Date.now();
let ticks = 0; // timers run while the rendezvous waits
const timer = setInterval(() => ticks++, 100);
try {
  const world = await joinWorld({ config, timeoutMs: 20_000, joinTimeoutMs });
  const t = tensor([world.rank]);
  await world.group.allreduce([t]).wait();
  await world.group.barrier().wait();
  const { rank, worldSize, localRank, configHash } = world;
  world.close();
  process.stdout.write(`RESULT ${JSON.stringify({ rank, worldSize, localRank, configHash, sum: t.item() })}\n`);
} catch (e) {
  const elapsedMs = Date.now() - started;
  process.stdout.write(`RESULT ${JSON.stringify({ error: (e as Error).message, elapsedMs, ticks })}\n`);
}
clearInterval(timer);
process.exit(0);
