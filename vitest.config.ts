import { defineConfig } from 'vitest/config';

/**
 * The unit tier (`npm run test:unit`): tests that need no service: no RocketMQ, no DynamoDB, no
 * Java, at most a scripted fake peer on loopback. Its project has no global setup, so running it
 * starts nothing; test/design/test-tiers.test.ts fails if one of these files reaches the stack.
 */
export const UNIT_TESTS = [
  'test/protocol/**/*.test.ts',
  'test/chaos/ledger.test.ts',
  'test/lambda/bridge-accounting.test.ts',
  'test/lambda/http-status.test.ts',
  'test/lambda/publish-failures.test.ts',
  'test/lambda/routes.test.ts',
  'test/lambda/secrets.test.ts',
  'test/lambda/topic-policy.test.ts',
  'test/producer/fake-broker.test.ts',
  'test/producer/fault-tolerance.test.ts',
  'test/producer/isolation-probe.test.ts',
  'test/producer/known-answers.test.ts',
  'test/producer/scopes.test.ts',
  'test/producer/validation.test.ts',
  'test/remoting/acl.test.ts',
  'test/remoting/connection-budget.test.ts',
  'test/remoting/connection.test.ts',
  'test/remoting/frame-fuzz.test.ts',
  'test/remoting/frame.test.ts',
  'test/remoting/tls.test.ts',
  'test/route/route-data.test.ts',
  'test/state/state-sync.test.ts',
  'test/trace/trace-budget.test.ts',
];

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
          exclude: ['test/faults/**', 'test/infra/**', 'test/design/**', 'test/standalone/**', 'test/clusters/**', 'test/edge/**', ...UNIT_TESTS],
        },
      },
      {
        // Sends from workerd, Deno and Bun (`npm run test:edge`), fetched from the npm registry
        // into .cache/edge on first use; on the same stack as the services project, beside it.
        extends: true,
        test: { name: 'edge', globalSetup: ['test/setup/global.ts'], include: ['test/edge/**/*.test.ts'] },
      },
      {
        // No global setup: runs alone in seconds with no service started.
        extends: true,
        test: { name: 'unit', include: UNIT_TESTS },
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
