import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses, problemSchema } from '../lib/problem.js';
import { INSTANT_PARAM_HELP, instantQueryParam } from '../lib/time-query.js';
import { pageLimit, queryInt } from '../lib/pagination.js';
import { obisSchema, serialSchema } from './reading-schema.js';
import { BUCKETS, type ReadingsQueries } from './readings-queries.js';
import { EVENT_CATEGORIES, EVENT_KINDS } from './event-catalogue.js';

const params = z.object({ serial: serialSchema });
const errors = { 404: problemSchema, 422: problemSchema, ...problemResponses };
const tags = ['readings'];
const rangeQuery = {
  from: instantQueryParam
    .optional()
    .describe(`Start (default: to − 1 day); an interval reading stamped exactly here belongs to the period before. ${INSTANT_PARAM_HELP}`),
  to: instantQueryParam
    .optional()
    .describe(`End (default: now); an interval reading stamped exactly here (interval end) is included, other kinds are not. ${INSTANT_PARAM_HELP}`),
};

export const readingsQuerySchema = z
  .object({
    ...rangeQuery,
    channel: obisSchema.optional().describe('OBIS channel; required with bucket'),
    bucket: z.enum(Object.keys(BUCKETS) as ['15m', '1h', '1d']).optional().describe('Aggregate into buckets (local-midnight aligned)'),
    agg: z.enum(['sum', 'max', 'avg']).default('sum').describe('Aggregate with bucket'),
    applyMf: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .describe(
        'true: every item also carries valueMf = value × the meter\'s multiplyingFactor (exact; energy, demand and power channels; null for V, A, PF, Hz and counts). With agg=avg the average is rounded to 6 decimals before the MF is applied',
      ),
    limit: pageLimit(10_000, 1000),
    cursor: z.string().max(200).optional().describe("Opaque cursor from the previous page's nextCursor"),
  })
  .refine((q) => !q.bucket || q.channel, { message: 'channel is required with bucket', path: ['channel'] });

const valueMf = z.string().nullable().optional().describe('value × multiplyingFactor, with applyMf=true only; null where the MF does not apply');
const readingSchema = z
  .object({ channel: z.string(), ts: z.string(), value: z.string().describe('as the meter recorded it (secondary side for a CT/PT meter)'), valueMf, occurredAt: z.string().nullable() })
  .meta({ id: 'Reading' });
const bucketSchema = z.object({ start: z.string(), value: z.string(), valueMf, count: z.number().int() });
const mfField = z.string().describe("The meter's multiplying factor (CT ratio × PT ratio / meter constant); 1 for a whole-current meter");
const readingsResponse = z
  .union([
    z.object({ serial: z.string(), multiplyingFactor: mfField, items: z.array(readingSchema), nextCursor: z.string().nullable() }),
    z.object({ serial: z.string(), channel: z.string(), bucket: z.string(), agg: z.string(), multiplyingFactor: mfField, items: z.array(bucketSchema) }),
  ])
  .meta({ id: 'Readings' });
const eventsResponse = z.object({
  serial: z.string(),
  items: z.array(
    z.object({
      code: z.number().int().describe('IS 15959 event code'),
      description: z.string().nullable().describe('e.g. "Power failure (occurrence)"; null for a code outside the catalogue'),
      event: z.string().nullable().describe('The condition, e.g. "Power failure" (the same for both codes of a pair)'),
      kind: z.enum(EVENT_KINDS).nullable(),
      category: z.enum(EVENT_CATEGORIES).nullable(),
      ts: z.string(),
      details: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

export function readingsRoutes({ queries }: { queries: ReadingsQueries }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/meters/:serial/readings',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: "A meter's readings: raw (cursor-paginated) or bucketed with sum/max/avg",
          params,
          querystring: readingsQuerySchema,
          response: { 200: readingsResponse, ...errors },
        },
      },
      async (req) => {
        const q = req.query;
        if (q.bucket && q.channel) return queries.bucketed(req.params.serial, { ...q, channel: q.channel, bucket: q.bucket });
        return queries.readings(req.params.serial, q);
      },
    );
    app.get(
      '/meters/:serial/events',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: "A meter's events: IS 15959 code with its description, kind (occurrence/restoration) and category",
          params,
          querystring: z.object({
            ...rangeQuery,
            code: queryInt(1, 65535).optional().describe('IS 15959 event code'),
            limit: pageLimit(5000, 500),
            cursor: z.string().max(200).optional().describe("Opaque cursor from the previous page's nextCursor"),
          }),
          response: { 200: eventsResponse, ...errors },
        },
      },
      async (req) => queries.events(req.params.serial, req.query),
    );
  };
}
