import path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * The webhook storm suite (scripts/webhook-storm.storm.ts): the production build scaled out on
 * one machine under a storm of deliveries, with PostgreSQL restarted and a worker killed. It
 * needs `.next` (npm test runs it after the build) and starts its own database, so it is apart
 * from the unit and integration tests: `npx vitest run --config vitest.storm.config.ts`.
 */
export default defineConfig({
  resolve: {
    alias: {
      '@': path.resolve(import.meta.dirname),
      'server-only': path.resolve(import.meta.dirname, 'test/server-only-stub.ts'),
    },
  },
  test: {
    include: ['**/*.storm.ts'],
    exclude: ['node_modules/**', '.next/**', '.data/**', 'e2e/**'],
    environment: 'node',
    // Minutes on a quiet two-core machine; a busy one (a CI host shared with other jobs) takes
    // several times longer, and a timeout here would say nothing about Billfold.
    testTimeout: 900_000,
    hookTimeout: 300_000,
    env: { NODE_ENV: 'test' },
  },
});
