import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Bounds for a hung test, not expected durations: on a busy machine a region process
    // takes far longer than its usual second to start (its own start deadline is 60 s).
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Two cores: test files that start servers run one at a time.
    fileParallelism: false,
    pool: 'forks',
  },
});
