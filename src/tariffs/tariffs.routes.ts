/** Tariff API: list, versions, and quotes (determinants or intervals in, explained bill out). */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { problem, problemResponses, problemSchema, sendProblem } from '../lib/problem.js';
import { billSchema, tariffDetailSchema, tariffSummarySchema } from './bill-schema.js';
import { quoteInputSchema } from './quote-schema.js';
import type { QuoteRunner } from './quote-runner.js';
import type { TariffService } from './tariff-service.js';

const codeParams = z.object({ code: z.string().min(1).max(64) });
const errors = { 404: problemSchema, 422: problemSchema, ...problemResponses };
const tags = ['tariffs'];

export function tariffRoutes({ tariffs, quotes }: { tariffs: TariffService; quotes: Pick<QuoteRunner, 'run'> }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/tariffs',
      { config: { scope: 'read' }, schema: { tags, summary: 'List tariffs and their versions', response: { 200: z.array(tariffSummarySchema), ...problemResponses } } },
      async () => tariffs.list(),
    );
    app.get(
      '/tariffs/:code',
      { config: { scope: 'read' }, schema: { tags, summary: 'A tariff with all its effective-dated versions', params: codeParams, response: { 200: tariffDetailSchema, ...errors } } },
      async (req) => tariffs.get(req.params.code),
    );
    await app.register(quoteRoute(quotes));
  };
}

/**
 * The quote route in its own scope: its body stays JSON text here and is parsed and validated with
 * the computation in a quote worker (quote-runner.ts), off the event loop. The body schema still
 * documents the route (OpenAPI); a body that does not match it gets the same 400 problem, fields named.
 */
function quoteRoute(quotes: Pick<QuoteRunner, 'run'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.post(
      '/tariffs/:code/quote',
      {
        // A quote writes nothing: read scope.
        config: { scope: 'read' },
        schema: {
          tags,
          summary: 'Quote a bill: register determinants or an interval series in, explained bill lines out',
          description: 'Bounded: see README "Quote bounds". 503 when the quote queue is full, 504 when a quote takes longer than QUOTE_TIMEOUT_MS.',
          params: codeParams,
          body: quoteInputSchema,
          response: { 200: billSchema, ...errors, 503: problemSchema, 504: problemSchema },
        },
        validatorCompiler: (route) => (route.httpPart === 'body' ? (data: unknown) => ({ value: data }) : validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0])),
      },
      async (req, reply) => {
        const out = await quotes.run(req.params.code, req.body as unknown as string);
        if (out.kind === 'invalid') {
          return sendProblem(reply, problem(400, 'invalid_request', 'the request does not match the schema', { instance: req.url, errors: out.errors }));
        }
        return out.bill;
      },
    );
  };
}
