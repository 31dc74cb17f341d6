import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'services',
          globalSetup: ['test/setup/global.ts'],
          include: ['test/**/*.test.ts'],
          // test/clusters/ is its own tier: vitest.clusters.config.ts, `npm run test:clusters`.
          exclude: ['test/faults/**', 'test/infra/**', 'test/design/**', 'test/standalone/**', 'test/clusters/**'],
        },
      },
      {
        // Checks that need no running service (the local stack's layout, the import graph): no
        // global setup here, so running these alone starts no stack.
        extends: true,
        test: { name: 'static', include: ['test/infra/**/*.test.ts', 'test/design/**/*.test.ts'] },
      },
      {
        // Tests that stop, kill or freeze a broker: after everything else, one file at a time,
        // so no other test ever sees a broker taken away under it.
        extends: true,
        test: {
          name: 'faults',
          globalSetup: ['test/setup/global.ts'],
          include: ['test/faults/**/*.test.ts'],
          fileParallelism: false,
          // A graceful broker stop alone takes about 15 s.
          testTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // `npm start` as a new user runs it, on a stack of its own: last, alone, no test stack.
        extends: true,
        test: {
          name: 'standalone',
          include: ['test/standalone/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
