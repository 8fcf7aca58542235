// End-to-end tests of the built page in Debian's Chromium (test/e2e). Run after `vite build`:
//   vite build && vitest run -c vitest.e2e.config.ts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    reporters: ['default', './test/support/summary_reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
