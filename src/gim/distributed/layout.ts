/**
 * Where each rank of a distributed run sits: world = stages × replicas. Stage s owns a contiguous group of the modules
 * (a pipeline: detached activations flow stage → stage); the replicas of a stage hold the same modules and read
 * different batches (data-parallel). Ranks are stage-major — rank = stage × replicas + replica — so the replicas of a
 * stage are neighbours, and replica r of every stage forms one pipeline: stage 0 of it reads batch step × replicas + r.
 */

/** The distributed section of a config (train.mode 'distributed'). */
export interface DistributedConfig {
  /** Pipeline stages; the world size must be a multiple of it (world / stages replicas per stage). */
  stages: number;
  /** Q: batches a stage may have sent that the next stage has not yet taken (bounded staleness, as in async mode). */
  queue: number;
  /** How long a rank waits for a message or a collective before it fails, naming the peer. */
  timeoutMs: number;
  backend: 'gloo' | 'nccl';
}

export const DEFAULT_DISTRIBUTED: DistributedConfig = { stages: 1, queue: 2, timeoutMs: 300_000, backend: 'gloo' };

/** One rank's place. */
export interface RankPlace {
  rank: number;
  worldSize: number;
  stages: number;
  replicas: number;
  stage: number;
  replica: number;
  /** The modules this rank trains: [first, end) (0-based). */
  modules: { first: number; end: number };
  /** The rank that feeds this one (null on stage 0) and the one it feeds (null on the last stage). */
  previous: number | null;
  next: number | null;
  /** Every rank of this stage (its replicas, this one included), in order. */
  stageRanks: number[];
}

/** The modules of stage `s` of `stages` over `modules` modules: contiguous, sizes differing by at most one. */
export function stageModules(s: number, stages: number, modules: number): { first: number; end: number } {
  return { first: Math.floor((s * modules) / stages), end: Math.floor(((s + 1) * modules) / stages) };
}

/**
 * checkLayout(stages, worldSize, modules): the reasons this layout cannot run, as one error naming the keys; nothing
 * when it can. `worldSize` or `modules` may be omitted where not known yet.
 */
export function checkLayout(args: { stages: number; worldSize?: number; modules?: number }): void {
  const { stages, worldSize, modules } = args;
  if (!Number.isInteger(stages) || stages < 1) {
    throw new Error(`distributed.stages must be a positive integer, got ${stages}`);
  }
  if (modules !== undefined && stages > modules) {
    throw new Error(
      `distributed.stages (${stages}) exceeds the model's ${modules} module(s): each stage owns at least one module`,
    );
  }
  if (worldSize !== undefined && worldSize % stages !== 0) {
    throw new Error(
      `distributed.stages (${stages}) must divide the world size (WORLD_SIZE ${worldSize}): world = stages × replicas`,
    );
  }
}

/** placeOf(rank, worldSize, stages, modules): this rank's stage, replica, modules and neighbours (layout checked). */
export function placeOf(rank: number, worldSize: number, stages: number, modules: number): RankPlace {
  checkLayout({ stages, worldSize, modules });
  const replicas = worldSize / stages;
  const stage = Math.floor(rank / replicas);
  const replica = rank % replicas;
  return {
    rank,
    worldSize,
    stages,
    replicas,
    stage,
    replica,
    modules: stageModules(stage, stages, modules),
    previous: stage === 0 ? null : rank - replicas,
    next: stage === stages - 1 ? null : rank + replicas,
    stageRanks: Array.from({ length: replicas }, (_, r) => stage * replicas + r),
  };
}

/** The batch replica `replica` of `replicas` reads at pipeline step `step`: replicas read disjoint batches. */
export function batchIndex(step: number, replica: number, replicas: number): number {
  return step * replicas + replica;
}
