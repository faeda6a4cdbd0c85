import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: crash, outage and fuzz tests against the real PostgreSQL and
 * Mosquitto (they skip with a message when those are not reachable; with CI=true, as `.ci/run`
 * runs them on every submission, they fail instead). One file at a time: they
 * load the machine and share the broker. Not part of `npm test` (file names end in
 * `.reliability.ts`, outside the default `*.test.ts` pattern).
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.reliability.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
