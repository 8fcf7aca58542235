import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    reporters: ['default', './test/support/summary_reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
