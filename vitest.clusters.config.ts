import { defineConfig } from 'vitest/config';

// The cluster tier (`npm run test:clusters`): every cluster shape the producer must reach (RocketMQ
// 4.9.7, 5.3.3, 5.5; TLS; ACL 1.0 and 2.0; the 5.x Proxy), each file starting its own real cluster
// in its own port block and stopping it. One file at a time, so one cluster runs at a time on a
// 2-core machine; separate from `npm test`, whose stack it neither needs nor touches.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    // A cluster start (name server, two brokers, topics, users, a proxy) under load.
    hookTimeout: 300_000,
    projects: [
      {
        extends: true,
        test: { name: 'clusters', include: ['test/clusters/**/*.test.ts'], fileParallelism: false },
      },
    ],
  },
});
