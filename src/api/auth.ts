import type { FastifyInstance, FastifyRequest } from 'fastify';
import { grants, type Principal, type Scope } from '../lib/access.js';
import type { FailedAuthLimiter } from './failed-auth-limiter.js';
import { problem, sendProblem } from '../lib/problem.js';
import { redactUrl } from './redact.js';

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

/**
 * The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`. Never from the query string:
 * URLs end up in logs, proxies and browser history.
 */
export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

export interface AuthDeps {
  /** The caller a presented key stands for, or null for an unknown or revoked key (src/auth provides it). */
  verifyKey(key: string): Promise<Principal | null>;
  failures: FailedAuthLimiter;
}

/**
 * API-key authentication and scope check, before any body is parsed. An address with too many
 * failed attempts is refused before its key is looked up. Every protected response carries
 * personal or operational data: `Cache-Control: no-store`, errors included.
 */
export function registerAuth(app: FastifyInstance, { verifyKey, failures }: AuthDeps): void {
  app.addHook('onRequest', async (req, reply) => {
    const config = req.routeOptions.config;
    if (config.public || req.routeOptions.url === undefined) return;
    reply.header('cache-control', 'no-store');
    const instance = redactUrl(req.url);
    const wait = failures.retryAfterS(req.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return sendProblem(reply, problem(429, 'too_many_failed_authentications', 'too many requests without a valid API key from this address', { instance }));
    }
    const key = presentedKey(req);
    const principal = key ? await verifyKey(key) : null;
    if (!principal) {
      failures.fail(req.ip);
      reply.header('www-authenticate', 'Bearer realm="meterbill"');
      return sendProblem(reply, problem(401, 'unauthorized', 'a valid API key is required', { instance }));
    }
    const needed = config.scope ?? 'admin';
    if (!grants(principal.scopes, needed)) {
      return sendProblem(reply, problem(403, 'forbidden', `this API key lacks the '${needed}' scope`, { instance }));
    }
    req.principal = principal;
  });
}
