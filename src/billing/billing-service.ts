/**
 * Billing runs (shell): open a cycle's run, let workers drain it, report progress and summary.
 * `run` drives N in-process workers (the CLI's --workers); other instances join the same run
 * with `work(runId)`, each claiming batches with SKIP LOCKED.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { createBillingWorker, thresholdsFor, type WorkerDeps } from './billing-worker.js';
import { cycleCalendarSchema, parsePeriod, type CycleCalendar } from './cycle-calendar.js';
import { completeIfDone, getCycleGroup, getRun, listCycleGroups, listRuns, openRun, runCounts, upsertCycleGroup, type RunCounts, type RunRow } from './runs-repository.js';
import { getBills, listExceptions, type BillView } from './bills-repository.js';
import { veeThresholdsSchema } from './vee-rules.js';
import { pathIssues } from '../lib/zod-issues.js';

export interface BillingServiceDeps extends WorkerDeps {
  db: Kysely<Database>;
  /** a claim older than this is taken over (its worker is presumed dead) */
  leaseMs?: number;
}

export interface RunProgress { run: RunRow; counts: RunCounts; done: number }

export function createBillingService(deps: BillingServiceDeps) {
  const worker = createBillingWorker(deps);
  const leaseMs = deps.leaseMs ?? 120_000;

  async function calendarOf(group: string) {
    const g = await getCycleGroup(deps.db, group);
    if (!g) throw new NotFoundError(`no cycle group ${group}`);
    return g;
  }

  async function start(group: string, period: string, opts: { dryRun?: boolean; startedBy: string }) {
    parsePeriod(period);
    await calendarOf(group);
    return openRun(deps.db, group, period, opts.dryRun ?? false, opts.startedBy);
  }

  /** Works on a run until no item is left; returns items finished by this call. */
  async function work(runId: number, opts: { workers?: number; batchSize?: number; onBatch?: (n: number) => void; signal?: AbortSignal } = {}): Promise<number> {
    const run = await getRun(deps.db, runId);
    if (!run) throw new NotFoundError(`no billing run ${runId}`);
    const group = await calendarOf(run.cycleGroup);
    const thresholds = thresholdsFor(group.veeThresholds);
    const workers = Math.max(1, opts.workers ?? 1);
    const counts = await Promise.all(Array.from({ length: workers }, () => {
      const ctx = { run, calendar: group.calendar, thresholds, workerId: `w-${process.pid}-${randomBytes(3).toString('hex')}`, leaseMs };
      return worker.drain(ctx, opts.batchSize ?? 200, opts.onBatch, opts.signal);
    }));
    await completeIfDone(deps.db, runId);
    return counts.reduce((a, b) => a + b, 0);
  }

  async function progress(runId: number): Promise<RunProgress> {
    const run = await getRun(deps.db, runId);
    if (!run) throw new NotFoundError(`no billing run ${runId}`);
    const counts = await runCounts(deps.db, runId);
    const done = counts.total - (counts.byStatus.pending ?? 0) - (counts.byStatus.claimed ?? 0);
    return { run, counts, done };
  }

  async function setCycleGroup(input: unknown) {
    const parsed = cycleCalendarSchema.extend({ veeThresholds: veeThresholdsSchema.partial().strict().optional() }).safeParse(input);
    if (!parsed.success) {
      const details = pathIssues(parsed.error.issues).map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new ValidationError(`invalid cycle group: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
    }
    const { veeThresholds, ...calendar } = parsed.data;
    await upsertCycleGroup(deps.db, calendar as CycleCalendar, veeThresholds ? { '*': veeThresholds } : {});
    return calendarOf(calendar.group);
  }

  async function bill(id: number): Promise<BillView> {
    const [b] = await getBills(deps.db, { id }, 1);
    if (!b) throw new NotFoundError(`no bill ${id}`);
    return b;
  }

  async function exceptions(runId: number) {
    if (!(await getRun(deps.db, runId))) throw new NotFoundError(`no billing run ${runId}`);
    return listExceptions(deps.db, runId);
  }

  /**
   * Background work of this instance (REST-started runs): one drain per run at a time, stopped
   * between batches by `stop` (what is left stays pending for the next start or instance).
   */
  const running = new Map<number, Promise<void>>();
  const abort = new AbortController();
  function startWork(runId: number, opts: { workers: number; batchSize: number }): void {
    if (running.has(runId) || abort.signal.aborted) return;
    const p = work(runId, { ...opts, signal: abort.signal })
      .then(() => undefined, (err: unknown) => deps.log.error({ err, runId }, 'billing run work failed; the run can be resumed'))
      .finally(() => running.delete(runId));
    running.set(runId, p);
  }
  async function stop(): Promise<void> {
    abort.abort();
    await Promise.all(running.values());
  }

  return {
    start, work, startWork, stop, progress, setCycleGroup, bill, exceptions,
    getCycleGroup: calendarOf,
    listCycleGroups: () => listCycleGroups(deps.db),
    listRuns: (filter: { cycleGroup?: string | undefined; period?: string | undefined }, limit: number) => listRuns(deps.db, filter, limit),
    bills: (where: { accountNo?: string | undefined; cyclePeriod?: string | undefined; runId?: number | undefined }, limit: number) =>
      getBills(deps.db, Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined)), limit),
  };
}

export type BillingService = ReturnType<typeof createBillingService>;
