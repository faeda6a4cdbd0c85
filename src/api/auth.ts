import type { FastifyInstance, FastifyRequest } from 'fastify';
import { grants, type Scope } from '../auth/api-key.js';
import type { ApiKeyService, Principal } from '../auth/api-key-service.js';
import { problem, sendProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scope a caller's key must grant. Routes without one need `admin` (closed by default). */
    scope?: Scope;
    /** Open to everyone: health and docs only. */
    public?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

/** API-key authentication and scope check, before any body is parsed. */
export function registerAuth(app: FastifyInstance, apiKeys: Pick<ApiKeyService, 'verify'>): void {
  app.addHook('onRequest', async (req, reply) => {
    const config = req.routeOptions.config;
    if (config.public || req.routeOptions.url === undefined) return;
    const key = presentedKey(req);
    const principal = key ? await apiKeys.verify(key) : null;
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="meterbill"');
      return sendProblem(reply, problem(401, 'unauthorized', 'a valid API key is required', { instance: req.url }));
    }
    const needed = config.scope ?? 'admin';
    if (!grants(principal.scopes, needed)) {
      return sendProblem(
        reply,
        problem(403, 'forbidden', `this API key lacks the '${needed}' scope`, { instance: req.url }),
      );
    }
    req.principal = principal;
  });
}
