import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // every core: most test time is spent in spawned CLI processes, not in the workers (vitest's default
    // leaves one core idle, which on CI's 2 cores means one worker)
    maxWorkers: availableParallelism(),
  },
});
