import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores: one fork per core; each file gets its own database/schema.
    pool: 'forks',
    maxWorkers: 2,
    // Seconds, not a minute: a hang fails fast instead of hiding behind a generous default. The
    // few tests that are long by nature (a spawned server, a worker pool, the peer engine's year)
    // carry their own timeout with the reason next to it.
    testTimeout: 15_000,
    hookTimeout: 30_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
