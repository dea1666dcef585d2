/** Training across processes and machines on libtorch's c10d: the world (rendezvous) and data-parallel replicas. */
export {
  joinWorld,
  readWorldEnv,
  configHash,
  canonicalJson,
  DEFAULT_WORLD_TIMEOUT_MS,
  DEFAULT_JOIN_TIMEOUT_MS,
  type World,
  type WorldEnv,
  type JoinWorldArgs,
} from './world.js';
