import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Tier 1 (`npm test`): needs Node alone. System-tier suites (`*.system.test.ts`: nginx, Orthanc,
 * Jupyter, ...) run with `npm run test:system` (vitest.system.config.ts) after `.ci/apt-packages`.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.system.test.ts', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default is one fork fewer than the cores: a single fork on a 2-core machine. Most suites
    // wait on servers, child processes and worker threads, so one fork per core (at least two) keeps
    // both cores busy (measured on 2 cores: vitest 142 s with one fork, 91 s with two).
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
