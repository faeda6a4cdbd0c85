/**
 * The HTTP platform: a Fastify app factory without listen (tests use `inject`).
 * Features hand in their route plugins; this file knows none of them.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/logger.js';
import type { Principal } from '../lib/access.js';
import { createFailedAuthLimiter } from './failed-auth-limiter.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { presentedKey, registerAuth } from './auth.js';
import { redactUrl } from './redact.js';
import { registerHttpMetrics } from './metrics.js';
import { serializerCompiler } from './serializer.js';
import { healthRoutes, type ReadinessCheck } from './health.routes.js';
import { problem, sendProblem } from '../lib/problem.js';
import { toProblem } from './problem.js';
import { openApiOptions } from './openapi-document.js';

export interface AppDeps {
  log: Logger;
  /** The key store (src/auth's service): only `verify` is used. */
  apiKeys: { verify(key: string): Promise<Principal | null> };
  metrics: Registry;
  readiness: readonly ReadinessCheck[];
  routes: readonly FastifyPluginAsyncZod[];
  http: { bodyLimit: number; rateLimitPerMinute: number; authFailuresPerMinute: number };
  version?: string;
  clock?: Clock;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // The request serialiser writes the URL with secrets masked (a key pasted into a query string).
    loggerInstance: deps.log.child({ module: 'http' }, { serializers: { req: serializeRequest } }) as FastifyBaseLogger,
    bodyLimit: deps.http.bodyLimit,
    // Graceful shutdown: refuse new requests with 503 while in-flight ones finish.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: false } },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err, req, reply) => {
    const p = toProblem(err as Error, req);
    if (p.status >= 500) req.log.error({ err }, 'request failed');
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((req, reply) => {
    const instance = redactUrl(req.url);
    return sendProblem(reply, problem(404, 'not_found', `no route ${req.method} ${instance.split('?')[0]}`, { instance }));
  });
  // Browsers must not guess another type than the one sent (a problem+json rendered as HTML).
  app.addHook('onRequest', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });

  describeScopes(app);
  await app.register(swagger, openApiOptions(deps.version ?? '0.0.0'));
  // staticCSP: a Content-Security-Policy on the UI's pages allowing only its own scripts and styles.
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { persistAuthorization: true } });
  await app.register(rateLimit, {
    max: deps.http.rateLimitPerMinute,
    timeWindow: '1 minute',
    // Per API key where one is presented, else per client address.
    keyGenerator: (req) => presentedKey(req)?.slice(0, 13) ?? req.ip,
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(new Error(`rate limit of ${ctx.max} requests per ${ctx.after} exceeded`), {
        statusCode: 429,
        code: 'rate_limited',
      }),
  });
  const failures = createFailedAuthLimiter({ perMinute: deps.http.authFailuresPerMinute, clock: deps.clock ?? systemClock });
  registerAuth(app, { verifyKey: (key) => deps.apiKeys.verify(key), failures });
  registerHttpMetrics(app, deps.metrics);
  await app.register(healthRoutes(deps.readiness));
  for (const plugin of deps.routes) await app.register(plugin);
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  return app;
}

/** Fastify's request fields, with the URL redacted. */
function serializeRequest(req: FastifyRequest) {
  return { method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

export interface RouteAccess {
  method: string;
  url: string;
  scope: string | 'public';
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with the access it requires (auth tests walk this list). */
    routeAccess: RouteAccess[];
  }
}

/** Records each route's scope and states it in the OpenAPI document for integrators. */
function describeScopes(app: FastifyInstance): void {
  app.decorate('routeAccess', [] as RouteAccess[]);
  app.addHook('onRoute', (route) => {
    // Swagger UI's own routes (HTML, JS, the spec it loads) are documentation: public.
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), public: true };
    const config = (route.config ?? {}) as { public?: boolean; scope?: string };
    const scope = config.public ? 'public' : (config.scope ?? 'admin');
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') app.routeAccess.push({ method, url: route.url, scope });
    }
    // Fastify adds a HEAD route for every GET with the same schema object: describe it once.
    if (!route.schema || [route.method].flat().every((m) => m === 'HEAD')) return;
    const schema = route.schema as { description?: string; security?: unknown[] };
    if (scope === 'public') {
      // No padlock: an operation's empty `security` list overrides the document-wide one.
      schema.security = [];
    } else {
      const text = `Requires an API key with scope \`${scope}\`.`;
      if (!schema.description?.includes(text)) schema.description = [schema.description, text].filter(Boolean).join(' ');
    }
  });
}
