/**
 * What `gim train --mode distributed` needs before it opens anything: the torchrun variables of its rank (set by
 * `gim launch` or a scheduler), and a layout the world can run (stages dividing the world size).
 */
import { checkLayout } from './layout.js';
import { readWorldEnv, type WorldEnv } from './world.js';

/** The variables a distributed rank reads. */
export const RANK_VARIABLES = ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT'] as const;

/**
 * distributedRankEnv(args): this rank's world from the environment, checked against the layout; an error that says how
 * to start a distributed run when the variables are missing or wrong.
 */
export function distributedRankEnv(args: { stages: number; modules: number; env?: NodeJS.ProcessEnv }): WorldEnv {
  let world: WorldEnv;
  try {
    world = readWorldEnv(args.env ?? process.env);
  } catch (e) {
    throw new Error(
      `train.mode 'distributed' runs as one rank of several: start it with gim launch, e.g. ` +
        `gim launch --nproc-per-node ${Math.max(2, args.stages)} -- train --preset <name> --mode distributed, ` +
        `or set ${RANK_VARIABLES.join(', ')} in each process yourself (as torchrun, SLURM or Kubernetes do). ` +
        (e as Error).message,
      { cause: e },
    );
  }
  checkLayout({ stages: args.stages, worldSize: world.worldSize, modules: args.modules });
  return world;
}
