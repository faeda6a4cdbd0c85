import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

/** One registry per process (per app in tests); feature modules register their metrics on it. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'meterbill_' });
  return registry;
}

export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'meterbill_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    duration.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  // Protected like every route but health and docs: Prometheus sends the key as a bearer token.
  const schema = {
    tags: ['operations'],
    summary: 'Prometheus metrics (text exposition format)',
    description: 'HTTP, ingestion (`meterbill_ingest_*`) and process metrics. Prometheus sends the key as `authorization: { credentials: <key> }`.',
    response: { 200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } } },
  };
  app.get('/metrics', { config: { scope: 'read' }, schema }, async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
