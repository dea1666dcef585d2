/**
 * Test environment knobs, read once from the process environment:
 *   GIM_TEST_THREADS  libtorch intra-op threads for every test file (default 2)
 *   GIM_TEST_SEED     offset of every learning test's seeds (default 0): the same tests on other initialisations
 *   GIM_TEST_REPORT   optional file: learning tests append what they measured there (one JSON line each)
 * A learning test must pass for any value of either; CI runs a few.
 */

export interface TestEnv {
  /** libtorch intra-op threads (GIM_TEST_THREADS). */
  threads: number;
  /** Seed offset of the learning tests (GIM_TEST_SEED). */
  seed: number;
  /** File the learning tests append their measurements to (GIM_TEST_REPORT), or null. */
  report: string | null;
}

export const DEFAULT_TEST_THREADS = 2;
export const DEFAULT_TEST_SEED = 0;
/** testSeed(base) moves each base seed by this much per GIM_TEST_SEED, so seeds of different tests never meet. */
export const SEED_STRIDE = 1000;

/** Reads one non-negative integer knob; a bad value is an error naming the variable. */
function integerKnob(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer ≥ ${min}, got '${raw}'`);
  }
  return value;
}

/** readTestEnv(env): the knobs from `env` (default process.env), validated. */
export function readTestEnv(env: NodeJS.ProcessEnv = process.env): TestEnv {
  return {
    threads: integerKnob(env, 'GIM_TEST_THREADS', DEFAULT_TEST_THREADS, 1),
    seed: integerKnob(env, 'GIM_TEST_SEED', DEFAULT_TEST_SEED, 0),
    report: env.GIM_TEST_REPORT === undefined || env.GIM_TEST_REPORT === '' ? null : env.GIM_TEST_REPORT,
  };
}

/** testSeed(base): a test's seed `base` moved by GIM_TEST_SEED (base itself when GIM_TEST_SEED is 0). */
export function testSeed(base: number, env: TestEnv = readTestEnv()): number {
  return base + SEED_STRIDE * env.seed;
}
