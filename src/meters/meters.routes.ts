import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { pageQuerySchema, pageSchema } from '../lib/pagination.js';
import { problemResponses, problemSchema } from '../lib/problem.js';
import { accountNoSchema } from '../accounts/account-schema.js';
import {
  installSchema,
  installationSchema,
  meterCreateSchema,
  meterFilterSchema,
  meterSchema,
  meterUpdateSchema,
  removalSchema,
} from './meter-schema.js';
import type { MetersService } from './meters-service.js';
import { trimmedSerialSchema } from '../readings/reading-schema.js';

const serialParams = z.object({ serial: trimmedSerialSchema });
const accountParams = z.object({ accountNo: accountNoSchema });
const history = z.array(installationSchema);
const errors = { 404: problemSchema, 409: problemSchema, 422: problemSchema, ...problemResponses };
const tags = ['meters'];

export function metersRoutes({ meters }: { meters: MetersService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/meters',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: 'List meters (cursor-paginated, filterable)',
          querystring: pageQuerySchema.extend(meterFilterSchema.shape),
          response: { 200: pageSchema(meterSchema), ...problemResponses },
        },
      },
      async (req) => {
        const { limit, cursor, ...filter } = req.query;
        return meters.list(filter, { limit, cursor });
      },
    );
    app.post(
      '/meters',
      { config: { scope: 'operate' }, schema: { tags, summary: 'Register a meter (in store)', body: meterCreateSchema, response: { 201: meterSchema, ...errors } } },
      async (req, reply) => reply.code(201).send(await meters.create(req.body)),
    );
    app.get(
      '/meters/:serial',
      { config: { scope: 'read' }, schema: { tags, summary: 'Get a meter', params: serialParams, response: { 200: meterSchema, ...errors } } },
      async (req) => meters.get(req.params.serial),
    );
    app.patch(
      '/meters/:serial',
      {
        config: { scope: 'operate' },
        schema: { tags, summary: 'Update a meter', params: serialParams, body: meterUpdateSchema, response: { 200: meterSchema, ...errors } },
      },
      async (req) => meters.update(req.params.serial, req.body),
    );
    app.get(
      '/meters/:serial/installations',
      { config: { scope: 'read' }, schema: { tags, summary: 'Where this meter has been installed', params: serialParams, response: { 200: history, ...errors } } },
      async (req) => meters.meterHistory(req.params.serial),
    );
    app.get(
      '/consumers/:accountNo/meters',
      { config: { scope: 'read' }, schema: { tags, summary: "A consumer's meter history", params: accountParams, response: { 200: history, ...errors } } },
      async (req) => meters.accountHistory(req.params.accountNo),
    );
    app.post(
      '/consumers/:accountNo/meter',
      {
        config: { scope: 'operate' },
        schema: {
          tags,
          summary: 'Install a meter on a consumer (replaces the current one, keeping history)',
          params: accountParams,
          body: installSchema,
          response: { 201: history, ...errors },
        },
      },
      async (req, reply) => reply.code(201).send(await meters.install(req.params.accountNo, req.body)),
    );
    app.post(
      '/consumers/:accountNo/meter/removal',
      {
        config: { scope: 'operate' },
        schema: { tags, summary: "Remove a consumer's meter", params: accountParams, body: removalSchema, response: { 200: history, ...errors } },
      },
      async (req) => meters.remove(req.params.accountNo, req.body),
    );
  };
}
