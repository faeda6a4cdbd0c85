/**
 * Billing REST: cycle groups (the calendar as data), runs (start, list, progress and summary,
 * exceptions) and bills. Starting a run answers at once (202) with its progress; the instance's
 * workers go on in the background and `GET /billing/runs/{id}` follows them.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses, problemSchema } from '../lib/problem.js';
import { pageLimit, queryInt } from '../lib/pagination.js';
import type { BillingService } from './billing-service.js';
import { billOutSchema, cycleGroupBodySchema, cycleGroupSchema, exceptionSchema, groupCode, periodLabel, runProgressSchema, runSchema, runStartSchema } from './billing-schema.js';

const tags = ['billing'];
const idParams = z.object({ id: queryInt(1, 2 ** 53 - 1) });

export interface BillingRoutesDeps {
  billing: BillingService;
  /** starts the instance's workers on a run in the background */
  startWork: (runId: number) => void;
}

export function billingRoutes({ billing, startWork }: BillingRoutesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/billing/cycle-groups', {
      config: { scope: 'read' },
      schema: { tags, summary: 'List cycle groups and their calendars', response: { 200: z.object({ items: z.array(cycleGroupSchema) }), ...problemResponses } },
    }, async () => ({ items: (await billing.listCycleGroups()).map(groupView) }));

    app.put('/billing/cycle-groups/:code', {
      config: { scope: 'admin' },
      schema: {
        tags, summary: 'Create or change a cycle group\'s calendar (read day, window, due days, bill series, thresholds)',
        params: z.object({ code: groupCode }), body: cycleGroupBodySchema, response: { 200: cycleGroupSchema, 422: problemSchema, ...problemResponses },
      },
    }, async (req) => groupView(await billing.setCycleGroup({ ...req.body, group: req.params.code })));

    app.post('/billing/runs', {
      config: { scope: 'operate' },
      schema: {
        tags, summary: 'Start (or resume) the billing run of a cycle group and month; idempotent per group and month',
        body: runStartSchema, response: { 202: runProgressSchema, 404: problemSchema, ...problemResponses },
      },
    }, async (req, reply) => {
      const opened = await billing.start(req.body.cycleGroup, req.body.period, { dryRun: req.body.dryRun, startedBy: req.principal?.name ?? 'api' });
      startWork(opened.run.id);
      return reply.code(202).send(progressView(await billing.progress(opened.run.id)));
    });

    app.get('/billing/runs', {
      config: { scope: 'read' },
      schema: {
        tags, summary: 'List billing runs, newest first',
        querystring: z.object({ cycleGroup: groupCode.optional(), period: periodLabel.optional(), limit: pageLimit(500, 50) }),
        response: { 200: z.object({ items: z.array(runSchema) }), ...problemResponses },
      },
    }, async (req) => ({ items: await billing.listRuns({ cycleGroup: req.query.cycleGroup, period: req.query.period }, req.query.limit) }));

    app.get('/billing/runs/:id', {
      config: { scope: 'read' },
      schema: { tags, summary: 'Progress and summary of a run', params: idParams, response: { 200: runProgressSchema, 404: problemSchema, ...problemResponses } },
    }, async (req) => progressView(await billing.progress(req.params.id)));

    app.get('/billing/runs/:id/exceptions', {
      config: { scope: 'read' },
      schema: { tags, summary: 'Exceptions of a run (bills held for review and warnings)', params: idParams, response: { 200: z.object({ items: z.array(exceptionSchema) }), 404: problemSchema, ...problemResponses } },
    }, async (req) => ({ items: await billing.exceptions(req.params.id) }));

    app.get('/bills', {
      config: { scope: 'read' },
      schema: {
        tags, summary: 'Bills by account, billing month or run',
        querystring: z.object({ accountNo: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).optional(), period: periodLabel.optional(), runId: queryInt(1, 2 ** 53 - 1).optional(), limit: pageLimit(500, 50) }),
        response: { 200: z.object({ items: z.array(billOutSchema) }), ...problemResponses },
      },
    }, async (req) => ({ items: await billing.bills({ accountNo: req.query.accountNo, cyclePeriod: req.query.period, runId: req.query.runId }, req.query.limit) }));

    app.get('/bills/:id', {
      config: { scope: 'read' },
      schema: { tags, summary: 'A bill with its reads, determinants and explained lines', params: idParams, response: { 200: billOutSchema, 404: problemSchema, ...problemResponses } },
    }, async (req) => billing.bill(req.params.id));
  };
}

function groupView(g: Awaited<ReturnType<BillingService['getCycleGroup']>>) {
  return { ...g.calendar, veeThresholds: g.veeThresholds, version: g.version, updatedAt: g.updatedAt };
}

function progressView(p: Awaited<ReturnType<BillingService['progress']>>) {
  return { run: p.run, total: p.counts.total, done: p.done, byStatus: p.counts.byStatus, amount: p.counts.amount, estimated: p.counts.estimated, failedByReason: p.counts.failedByReason };
}
