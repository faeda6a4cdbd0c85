import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses, problemSchema } from '../lib/problem.js';
import { trimmedSerialSchema as meterSerialSchema } from '../readings/reading-schema.js';
import { pageQuerySchema, pageSchema, queryInt } from '../lib/pagination.js';
import { plainText, INT4_MAX } from '../lib/text-schema.js';
import { TOPIC_SEGMENT } from '../ingest/topics.js';
import type { GatewayCredentialsService } from './gateway-credentials-service.js';

export const gatewayIdSchema = z.string().regex(TOPIC_SEGMENT, '1–64 letters, digits, _ or - (it is a topic level and the MQTT username)');

export const createCredentialBody = z
  .object({
    gatewayId: gatewayIdSchema,
    meters: z.array(meterSerialSchema).max(1000).optional().describe('Serials this gateway may also publish on {prefix}/meters/{serial}/data'),
    label: plainText(100, 1).optional(),
    replace: z.boolean().optional().describe("Revoke the gateway's active credential in the same step (rotation)"),
  })
  .strict();

const credentialView = z
  .object({
    id: z.number().int(),
    gatewayId: z.string(),
    username: z.string(),
    meters: z.array(z.string()),
    label: z.string().nullable(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .meta({ id: 'GatewayCredential' });
const tags = ['gateway-credentials'];

/** MQTT credentials of gateways: admin only. The password is shown once, at creation. */
export function gatewayCredentialsRoutes({ credentials }: { credentials: GatewayCredentialsService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/gateway-credentials',
      {
        config: { scope: 'admin' },
        schema: {
          tags,
          summary: 'List gateway MQTT credentials (never the passwords)',
          querystring: pageQuerySchema.extend({ gatewayId: gatewayIdSchema.optional(), active: z.enum(['true', 'false']).optional() }).strict(),
          response: { 200: pageSchema(credentialView), ...problemResponses },
        },
      },
      async (req) => credentials.list({ limit: req.query.limit, cursor: req.query.cursor, gatewayId: req.query.gatewayId, activeOnly: req.query.active === 'true' }),
    );
    app.post(
      '/gateway-credentials',
      {
        config: { scope: 'admin' },
        schema: {
          tags,
          summary: 'Issue an MQTT credential for a gateway (the password is returned once)',
          body: createCredentialBody,
          response: { 201: z.object({ username: z.string(), password: z.string(), credential: credentialView }), 409: problemSchema, 422: problemSchema, ...problemResponses },
        },
      },
      async (req, reply) => {
        const { gatewayId, ...o } = req.body;
        return reply.code(201).send(await credentials.create(gatewayId, o));
      },
    );
    app.delete(
      '/gateway-credentials/:id',
      {
        config: { scope: 'admin' },
        schema: {
          tags,
          summary: 'Revoke a gateway MQTT credential (a connected gateway is disconnected from the embedded broker)',
          params: z.object({ id: queryInt(1, INT4_MAX) }),
          response: { 200: credentialView, 404: problemSchema, ...problemResponses },
        },
      },
      async (req) => credentials.revoke(req.params.id),
    );
  };
}
