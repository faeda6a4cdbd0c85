/** Tariff API: list, versions, and quotes (determinants or intervals in, explained bill out). */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses, problemSchema } from '../api/problem.js';
import { billSchema, tariffDetailSchema, tariffSummarySchema } from './bill-schema.js';
import { quoteInputSchema } from './quote-schema.js';
import type { TariffService } from './tariff-service.js';

const codeParams = z.object({ code: z.string().min(1).max(64) });
const errors = { 404: problemSchema, 422: problemSchema, ...problemResponses };
const tags = ['tariffs'];

export function tariffRoutes({ tariffs }: { tariffs: TariffService }): FastifyPluginAsyncZod {
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
    app.post(
      '/tariffs/:code/quote',
      {
        // A quote writes nothing: read scope.
        config: { scope: 'read' },
        schema: {
          tags,
          summary: 'Quote a bill: register determinants or an interval series in, explained bill lines out',
          params: codeParams,
          body: quoteInputSchema,
          response: { 200: billSchema, ...errors },
        },
      },
      async (req) => tariffs.quote(req.params.code, req.body),
    );
  };
}
