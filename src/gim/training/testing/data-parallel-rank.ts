/**
 * One replica of the data-parallel test (data-parallel.test.ts): joins the world from the torchrun variables, starts
 * from a stack seeded by its rank (so only the broadcast makes the replicas equal), trains DP_STEPS steps on its shard of
 * each batch, and prints `RESULT <json>` with its parameters and losses.
 */
import { contiguous, div, noGrad, tidy } from '../../../tensor/index.js';
import { joinWorld } from '../../distributed/world.js';
import { DataParallel } from '../data-parallel.js';
import { gradientValues, parameterValues, replicaBatch, replicaStack, shardOf } from './replica-task.js';

setTimeout(() => process.exit(3), 60_000).unref();

const steps = Number(process.env.DP_STEPS ?? '4');
/**
 * DP_NAN_AT=<rank>:<step>: that replica's shard is NaN at that step (a diverging replica); DP_KEEP_OUTPUT=1: that step
 * runs as a pipeline stage does (computeGradients keeping the output, then the average and the update).
 */
const [nanRank = -1, nanStep = -1] = (process.env.DP_NAN_AT ?? '-1:-1').split(':').map(Number);
const world = await joinWorld({ config: { test: 'data-parallel', steps }, timeoutMs: 20_000, joinTimeoutMs: 30_000 });
const stack = replicaStack(world.rank + 1); // different on each rank until the broadcast
const dp = new DataParallel(stack, { group: world.group, bucketBytes: Number(process.env.DP_BUCKET_BYTES ?? '64') });
await dp.broadcastParameters();
const initial = parameterValues(stack);
const losses: number[][] = [];
let firstGradients: number[][] = [];
let firstMeanLosses: number[] = [];
let failure: Record<string, unknown> | null = null;
for (let step = 0; step < steps; step++) {
  const poisoned = world.rank === nanRank && step === nanStep;
  const shard = tidy(() =>
    noGrad(() => {
      const x = contiguous(shardOf(replicaBatch(step), world.rank, world.worldSize)); // [B/2, F]
      return poisoned ? div(x, 0) : x;
    }),
  );
  if (nanRank >= 0 && step === nanStep) {
    const started = Date.now();
    try {
      if (process.env.DP_KEEP_OUTPUT === '1') {
        // as a pipeline stage runs it: gradients with the last module's output kept for the next stage
        const g = await dp.computeGradients(shard, { mode: 'simultaneous', keepOutput: true });
        g.output?.dispose();
        await dp.averageGradients(g.modules);
        stack.update(g.modules);
      } else await dp.trainStep(shard);
      failure = { error: null, elapsedMs: Date.now() - started };
    } catch (e) {
      failure = { error: (e as Error).message, name: (e as Error).constructor.name, elapsedMs: Date.now() - started };
    }
    shard.dispose();
    break;
  }
  if (step === 0) {
    // trainStep's three parts, to see the averaged gradients
    const g = stack.computeGradients(shard);
    await dp.averageGradients(g.modules);
    firstGradients = gradientValues(stack);
    stack.update(g.modules);
    losses.push(g.metrics.map((m) => m.loss));
    firstMeanLosses = (await dp.meanMetrics(g.metrics)).map((m) => m.loss);
  } else {
    losses.push((await dp.trainStep(shard)).map((m) => m.loss));
  }
  shard.dispose();
}
const params = parameterValues(stack);
world.close();
process.stdout.write(
  `RESULT ${JSON.stringify({ rank: world.rank, initial, firstGradients, firstMeanLosses, params, losses, failure })}\n`,
);
process.exit(0);
