import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { pageQuerySchema, pageSchema } from '../lib/pagination.js';
import { problemResponses, problemSchema } from '../lib/problem.js';
import {
  accountCreateSchema,
  accountFilterSchema,
  accountNoSchema,
  accountSchema,
  accountUpdateSchema,
} from './account-schema.js';
import type { AccountsService } from './accounts-service.js';

const params = z.object({ accountNo: accountNoSchema });
const tags = ['consumers'];

export function accountsRoutes({ accounts }: { accounts: AccountsService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/consumers',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: 'List consumers (cursor-paginated, filterable)',
          querystring: pageQuerySchema.extend(accountFilterSchema.shape),
          response: { 200: pageSchema(accountSchema), ...problemResponses },
        },
      },
      async (req) => {
        const { limit, cursor, ...filter } = req.query;
        return accounts.list(filter, { limit, cursor });
      },
    );
    app.post(
      '/consumers',
      {
        config: { scope: 'operate' },
        schema: {
          tags,
          summary: 'Create a consumer account',
          body: accountCreateSchema,
          response: { 201: accountSchema, 409: problemSchema, 422: problemSchema, ...problemResponses },
        },
      },
      async (req, reply) => reply.code(201).send(await accounts.create(req.body)),
    );
    app.get(
      '/consumers/:accountNo',
      {
        config: { scope: 'read' },
        schema: { tags, summary: 'Get a consumer', params, response: { 200: accountSchema, 404: problemSchema, ...problemResponses } },
      },
      async (req) => accounts.get(req.params.accountNo),
    );
    app.patch(
      '/consumers/:accountNo',
      {
        config: { scope: 'operate' },
        schema: {
          tags,
          summary: 'Update a consumer (partial)',
          params,
          body: accountUpdateSchema,
          response: { 200: accountSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema, ...problemResponses },
        },
      },
      async (req) => accounts.update(req.params.accountNo, req.body),
    );
  };
}
