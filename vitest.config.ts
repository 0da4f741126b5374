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
  },
});
