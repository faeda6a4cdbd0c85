import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses, problemSchema } from '../lib/problem.js';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { boundedIsoDateTime } from '../lib/text-schema.js';
import { INSTANT_PARAM_HELP, instantQueryParam, resolveInstant } from '../lib/time-query.js';
import { getDeadLetter, listDeadLetters, PREVIEW_BYTES } from './dead-letters-repository.js';
import type { DeadLetterReplay } from './dead-letter-replay.js';
import { serialSchema } from '../readings/reading-schema.js';
import { TOPIC_SEGMENT } from './topics.js';
import { pageQuerySchema } from '../lib/pagination.js';
import { DEAD_LETTER_REASONS } from './message-parse.js';
import type { ReadingsQueries } from '../readings/readings-queries.js';
import type { IngestStats } from './ingest-service.js';

const tags = ['ingest'];

const replaySchema = z.object({ at: z.string(), outcome: z.string(), details: z.unknown() }).nullable();
const common = {
  id: z.number().int(),
  receivedAt: z.string(),
  topic: z.string(),
  reason: z.string(),
  meterSerial: z.string().nullable(),
  details: z.unknown(),
  replay: replaySchema.describe('Set once the letter has been replayed'),
};
const deadLetterPreviewSchema = z
  .object({
    ...common,
    payload: z.string().describe(`Preview: the first ${PREVIEW_BYTES} bytes (text when UTF-8, else base64)`),
    payloadEncoding: z.enum(['utf8', 'base64']),
    payloadBytes: z.number().int(),
    payloadTruncated: z.boolean(),
  })
  .meta({ id: 'DeadLetterPreview' });
const deadLetterSchema = z
  .object({ ...common, payload: z.string(), payloadEncoding: z.enum(['utf8', 'base64']), payloadBytes: z.number().int() })
  .meta({ id: 'DeadLetter' });

const idParams = z.object({ id: z.string().regex(/^[1-9]\d{0,14}$/, 'a dead letter id').transform(Number) });
const filterShape = {
  reason: z.enum(DEAD_LETTER_REASONS).optional(),
  serial: serialSchema.optional().describe('Meter serial'),
  gateway: z.string().regex(TOPIC_SEGMENT, 'a gateway id').optional().describe('Gateway id (its batch topic)'),
  from: boundedIsoDateTime.optional().describe('Received at or after'),
  to: boundedIsoDateTime.optional().describe('Received before'),
};
/** The list's filter: from/to also as a date (local midnight in TIMEZONE), as on readings. */
const listFilterShape = {
  ...filterShape,
  from: instantQueryParam.optional().describe(`Received at or after. ${INSTANT_PARAM_HELP}`),
  to: instantQueryParam.optional().describe(`Received before. ${INSTANT_PARAM_HELP}`),
};
export const replayBodySchema = z
  .object({
    ids: z.array(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)).min(1).max(1000).optional(),
    ...filterShape,
    limit: z.number().int().min(1).max(1000).default(100).describe('Letters replayed by this call (oldest first)'),
  })
  .strict()
  .refine((b) => b.ids || b.reason || b.serial || b.gateway || b.from || b.to, { message: 'give ids or at least one filter', path: ['ids'] })
  .meta({ id: 'DeadLetterReplay' });
const replayResultSchema = z
  .object({
    replayed: z.number().int(),
    stored: z.number().int(),
    partial: z.number().int(),
    rejected: z.number().int(),
    readings: z.number().int(),
    events: z.number().int(),
    more: z.boolean().describe('More letters match: call again'),
    items: z.array(z.object({ id: z.number().int(), outcome: z.string(), readings: z.number().int(), events: z.number().int(), reasons: z.array(z.string()) })),
  })
  .meta({ id: 'DeadLetterReplayResult' });

const statsSchema = z
  .object({
    running: z.boolean(),
    ingest: z.unknown().describe('Counts since this instance started: messages by outcome, readings, duplicates, dead letters by reason, ignored unknown payload fields by field (`unknownFields`), queue, batches, last commit'),
    tables: z.record(z.string(), z.number()).describe('Row counts: exact up to 100,000 rows, the planner\'s estimate (TimescaleDB approximate_row_count) above'),
  })
  .meta({ id: 'IngestStats' });

export interface IngestRoutesDeps {
  db: Kysely<Database>;
  prefix: string;
  /** The utility's zone: a date-only from/to is its local midnight. */
  timezone: string;
  queries: ReadingsQueries;
  replay: DeadLetterReplay;
  stats: () => IngestStats | null;
}

export function ingestRoutes(deps: IngestRoutesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/ingest/dead-letters',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: `Dead letters, newest first, with a payload preview (first ${PREVIEW_BYTES} bytes and the size)`,
          querystring: pageQuerySchema.extend(listFilterShape),
          response: { 200: z.object({ items: z.array(deadLetterPreviewSchema), nextCursor: z.string().nullable() }), 422: problemSchema, ...problemResponses },
        },
      },
      async (req) => {
        const { limit, cursor, from, to, ...rest } = req.query;
        const instant = (v: string | undefined) => (v === undefined ? undefined : resolveInstant(v, deps.timezone).toISOString());
        return listDeadLetters(deps.db, { ...rest, from: instant(from), to: instant(to) }, { limit, cursor }, deps.prefix);
      },
    );
    app.get(
      '/ingest/dead-letters/:id',
      {
        config: { scope: 'read' },
        schema: { tags, summary: 'One dead letter with its whole payload', params: idParams, response: { 200: deadLetterSchema, 404: problemSchema, ...problemResponses } },
      },
      async (req) => {
        const { raw: _raw, ...letter } = await getDeadLetter(deps.db, req.params.id);
        return letter;
      },
    );
    app.get(
      '/ingest/dead-letters/:id/raw',
      {
        config: { scope: 'read' },
        schema: { tags, summary: 'The payload bytes exactly as received (application/octet-stream)', params: idParams, response: { 200: z.any().describe('application/octet-stream'), 404: problemSchema, ...problemResponses } },
      },
      async (req, reply) => reply.type('application/octet-stream').send((await getDeadLetter(deps.db, req.params.id)).raw),
    );
    app.post(
      '/ingest/dead-letters/replay',
      {
        config: { scope: 'operate' },
        schema: {
          tags,
          summary: 'Replay dead letters through validation and the writer (by ids, reason, serial, gateway, time range); idempotent',
          body: replayBodySchema,
          response: { 200: replayResultSchema, ...problemResponses },
        },
      },
      async (req) => {
        const { limit, ...filter } = req.body;
        return deps.replay.replay(filter, limit);
      },
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
