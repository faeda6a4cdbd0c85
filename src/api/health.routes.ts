import { z } from 'zod';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ReadinessCheck } from '../lib/module.js';

export type { ReadinessCheck };

const readySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.string()).describe("per check: 'ok' (or an informational note), 'down' or 'timeout'"),
});

/** `/healthz`: the process is up. `/readyz`: its dependencies answer (database, broker). */
export function healthRoutes(checks: readonly ReadinessCheck[]): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/healthz',
      {
        config: { public: true, rateLimit: false },
        schema: { tags: ['operations'], summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } },
      },
      async () => ({ status: 'ok' as const }),
    );
    app.get(
      '/readyz',
      {
        config: { public: true, rateLimit: false },
        schema: { tags: ['operations'], summary: 'Readiness (database, broker)', response: { 200: readySchema, 503: readySchema } },
      },
      async (req, reply) => {
        const results = await Promise.all(checks.map((c) => runCheck(c, req.log)));
        const ok = results.every(([, r]) => r !== 'down' && r !== 'timeout');
        return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
      },
    );
  };
}

/**
 * `ok` (or the check's own note), `down` or `timeout` per check. The endpoint is public, so a
 * failure's error (host names, ports, driver messages) goes to the log, never into the answer.
 */
async function runCheck(c: ReadinessCheck, log: FastifyBaseLogger): Promise<[string, string]> {
  try {
    const note = await withTimeout(c.check(), 2000);
    return [c.name, typeof note === 'string' ? note : 'ok'];
  } catch (err) {
    log.warn({ check: c.name, err }, 'readiness check failed');
    return [c.name, err instanceof CheckTimeout ? 'timeout' : 'down'];
  }
}

class CheckTimeout extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new CheckTimeout(`no answer within ${ms} ms`)), ms);
    p.then(resolve, reject).finally(() => clearTimeout(t));
  });
}
