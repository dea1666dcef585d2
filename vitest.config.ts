import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
    // The native addon (libtorch) is loaded per test file; child processes isolate it more safely than worker threads.
    pool: 'forks',
    // Pins libtorch's threads to GIM_TEST_THREADS (default 2) in every test file: src/testing/env.ts.
    setupFiles: ['src/testing/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    watch: false,
  },
});
