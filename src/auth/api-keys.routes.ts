import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses, problemSchema } from '../lib/problem.js';
import { SCOPES } from '../lib/access.js';
import type { ApiKeyService } from './api-key-service.js';
import { queryInt } from '../lib/pagination.js';

const keyView = z
  .object({
    id: z.number().int(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
const tags = ['api-keys'];

/** Key management: admin only. The secret is shown once, at creation. */
export function apiKeysRoutes({ apiKeys }: { apiKeys: ApiKeyService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api-keys',
      { config: { scope: 'admin' }, schema: { tags, summary: 'List API keys', response: { 200: z.array(keyView), ...problemResponses } } },
      async () => apiKeys.list(),
    );
    app.post(
      '/api-keys',
      {
        config: { scope: 'admin' },
        schema: {
          tags,
          summary: 'Create an API key (the key is returned once)',
          body: z.object({ name: z.string().trim().min(1).max(100), scopes: z.array(z.enum(SCOPES)).min(1) }).strict(),
          response: { 201: z.object({ key: z.string(), apiKey: keyView }), ...problemResponses },
        },
      },
      async (req, reply) => {
        const { key, view } = await apiKeys.create(req.body.name, req.body.scopes);
        return reply.code(201).send({ key, apiKey: view });
      },
    );
    app.delete(
      '/api-keys/:id',
      {
        config: { scope: 'admin' },
        schema: {
          tags,
          summary: 'Revoke an API key',
          params: z.object({ id: queryInt(1, 2_147_483_647) }),
          response: { 200: keyView, 404: problemSchema, ...problemResponses },
        },
      },
      async (req) => apiKeys.revoke(req.params.id),
    );
  };
}
