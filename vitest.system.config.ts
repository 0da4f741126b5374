import { defineConfig } from 'vitest/config';

/** Tier 2 (`npm run test:system`): suites that need Debian packages from `.ci/apt-packages`. */
export default defineConfig({
  test: {
    include: ['test/**/*.system.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
