/** Settings of `gim bench async` that its help shows; free of the libtorch addon so `gim --help` needs no build. */

/** Steps per training run of `bench async --scale small` (the small presets train 600 / 800). */
export const ASYNC_BENCH_SMALL_STEPS = 200;
