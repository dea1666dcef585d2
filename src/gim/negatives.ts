/**
 * Negative samples for InfoNCE, drawn once per step as indices (never as copies of the sequence).
 *
 * Every positive gets `count` negatives, each uniform over all `population` rows (batch × time, or batch × grid).
 * They are scored through a shared pool: the pool holds `count` groups of `groupSize` rows drawn uniformly with
 * replacement; negative n of a positive is a uniform pick inside group n. The n-th negatives of one positive thus come
 * from distinct pool rows, so for every positive its `count` negatives are i.i.d. uniform over the population — the
 * same distribution as drawing them one by one — while all positives are scored with one matmul against the pool.
 */
import { randint, add, arange, mul, tidy, type Device, type Tensor } from '../tensor/index.js';
import { nonNegativeInteger, positiveInteger } from '../util/check.js';

export interface NegativeIndices {
  /** Rows of the population in the pool. */
  pool: Tensor; // [count · groupSize] int64
  /** For each positive, the pool row of each of its negatives. */
  pick: Tensor; // [Q, count] int64 in [0, count · groupSize)
}

export interface SampleNegativesArgs {
  /** Rows to draw from (B·T for sequences, B·H·W for grids). */
  population: number;
  /** Number of positives Q. */
  positives: number;
  /** Negatives per positive N. */
  count: number;
  /** Pool rows per negative slot; the pool has count · groupSize rows. */
  groupSize: number;
  /** Where the index tensors live (the device of the encodings); default cpu. */
  device?: Device;
}

/** Draw negatives: pool ~ U{0..population−1}^(N·G), pick[q, n] = n·G + U{0..G−1}. */
export function sampleNegatives(args: SampleNegativesArgs): NegativeIndices {
  positiveInteger('sampleNegatives', 'population', args.population);
  nonNegativeInteger('sampleNegatives', 'positives', args.positives);
  positiveInteger('sampleNegatives', 'count', args.count);
  positiveInteger('sampleNegatives', 'groupSize', args.groupSize);
  return tidy(() => {
    const device = args.device ?? 'cpu';
    const pool = randint(0, args.population, [args.count * args.groupSize], { device }); // [N·G]
    const within = randint(0, args.groupSize, [args.positives, args.count], { device }); // [Q, N]
    const groupStart = mul(arange(0, args.count, 1, { device }), args.groupSize); // [N]
    return { pool, pick: add(within, groupStart) }; // pick: [Q, N]
  });
}
