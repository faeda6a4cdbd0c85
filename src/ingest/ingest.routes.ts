import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses, problemSchema } from '../api/problem.js';
import { isoDateTime } from '../lib/decimal-schema.js';
import { pageQuerySchema } from '../lib/pagination.js';
import { DEAD_LETTER_REASONS } from './message-parse.js';
import type { ReadingsQueries } from './readings-queries.js';
import type { IngestStats } from './ingest-service.js';

const tags = ['ingest'];

const deadLetterSchema = z
  .object({
    id: z.number().int(),
    receivedAt: z.string(),
    topic: z.string(),
    reason: z.string(),
    meterSerial: z.string().nullable(),
    details: z.unknown(),
    payload: z.string(),
    payloadEncoding: z.enum(['utf8', 'base64']),
  })
  .meta({ id: 'DeadLetter' });

const statsSchema = z
  .object({
    running: z.boolean(),
    ingest: z.unknown().describe('Counts since this instance started: messages by outcome, readings, duplicates, dead letters by reason, queue, batches, last commit'),
    tables: z.record(z.string(), z.number()).describe('Approximate row counts'),
  })
  .meta({ id: 'IngestStats' });

export function ingestRoutes(deps: { queries: ReadingsQueries; stats: () => IngestStats | null }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/ingest/dead-letters',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: 'Dead letters, newest first (payload as text when UTF-8, else base64)',
          querystring: pageQuerySchema.extend({ reason: z.enum(DEAD_LETTER_REASONS).optional(), from: isoDateTime.optional() }),
          response: { 200: z.object({ items: z.array(deadLetterSchema), nextCursor: z.string().nullable() }), 422: problemSchema, ...problemResponses },
        },
      },
      async (req) => deps.queries.deadLetters(req.query),
    );
    app.get(
      '/ingest/stats',
      { config: { scope: 'read' }, schema: { tags, summary: 'Ingestion counters and table sizes', response: { 200: statsSchema, ...problemResponses } } },
      async () => {
        const s = deps.stats();
        return { running: s !== null, ingest: s, tables: await deps.queries.tableCounts() };
      },
    );
  };
}
