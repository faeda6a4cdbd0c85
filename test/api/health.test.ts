import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { healthRoutes, type ReadinessCheck } from '../../src/api/health.routes.js';

async function readyz(checks: ReadinessCheck[]) {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(healthRoutes(checks));
  const r = await app.inject({ method: 'GET', url: '/readyz' });
  await app.close();
  return { status: r.statusCode, body: r.json() as unknown };
}

describe('/readyz', () => {
  it('shows a note a check returns without becoming unready (e.g. failing TimescaleDB jobs)', async () => {
    const r = await readyz([
      { name: 'database', check: async () => undefined },
      { name: 'timescaledb_jobs', check: async () => 'ok: 5 jobs, 1 failing their last run — policy_compression #1000 (readings): 3 of 3 runs failed' },
    ]);
    expect(r).toEqual({
      status: 200,
      body: {
        status: 'ready',
        checks: { database: 'ok', timescaledb_jobs: 'ok: 5 jobs, 1 failing their last run — policy_compression #1000 (readings): 3 of 3 runs failed' },
      },
    });
  });

  it('is not ready when a check throws, and does not show the error (logged instead)', async () => {
    const r = await readyz([
      { name: 'database', check: async () => Promise.reject(new Error('connection refused')) },
      { name: 'timescaledb_jobs', check: async () => 'ok: no TimescaleDB jobs' },
    ]);
    expect(r).toEqual({
      status: 503,
      // The endpoint is public: internal error messages stay in the log (issue 8 #25).
      body: { status: 'not_ready', checks: { database: 'down', timescaledb_jobs: 'ok: no TimescaleDB jobs' } },
    });
  });
});
