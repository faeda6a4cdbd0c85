import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

export interface ReadinessCheck {
  name: string;
  /** Throws when the dependency is down. May return a note to show instead of plain "ok". */
  check(): Promise<void | string>;
}

const readySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.string()),
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
      async (_req, reply) => {
        const results = await Promise.all(checks.map(runCheck));
        const ok = results.every(([, r]) => !r.startsWith('down'));
        return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
      },
    );
  };
}

async function runCheck(c: ReadinessCheck): Promise<[string, string]> {
  try {
    const note = await withTimeout(c.check(), 2000);
    return [c.name, typeof note === 'string' ? note : 'ok'];
  } catch (err) {
    return [c.name, `down: ${err instanceof Error ? err.message : String(err)}`];
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(resolve, reject).finally(() => clearTimeout(t));
  });
}
