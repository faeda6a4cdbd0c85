/**
 * The billing worker (shell): claim a batch of run items -> fetch their data in bulk -> the pure
 * core per account -> price with the tariff engine -> in one transaction: check the claims are
 * still ours, number and insert the bills, record exceptions and item outcomes. An account that
 * cannot be billed fails with its reason; the rest of the batch goes on.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import { DomainError } from '../lib/errors.js';
import type { TariffService } from '../tariffs/tariff-service.js';
import { quoteInputSchema } from '../tariffs/quote-schema.js';
import { isoOfDay, utcOfLocalMidnight } from '../lib/local-time.js';
import { billAccount, demandChannel, type AccountBillingInput } from './account-billing.js';
import { firstOpening, planPeriod, type LastActualRead, type PeriodPlan } from './account-period.js';
import { buildBill } from './bill-build.js';
import { loadAccounts, loadDemand, loadInstallations, loadPriorBills, loadSnapshots, loadWraps, type AccountRow, type PriorBillRow, type SpanBounds } from './billing-data-repository.js';
import { insertBills, insertExceptions, type NewBill } from './bills-repository.js';
import { dueDay, financialYear, readWindow, type CycleCalendar } from './cycle-calendar.js';
import { localDayOf } from './read-selection.js';
import { claimItems, finishItems, lockOwnItems, type ItemOutcome, type RunRow } from './runs-repository.js';
import type { DemandSnapshot } from './max-demand.js';
import { neededChannels, tariffNeeds, versionOn } from './tariff-needs.js';
import { veeThresholdsSchema, type VeeThresholds } from './vee-rules.js';

export interface WorkerDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  tariffs: Pick<TariffService, 'get' | 'quoteParsed'>;
  timezone: string;
  /** consumption norm per category, units per kW per day (estimation's last resort) */
  norms: Readonly<Record<string, string>>;
}

export interface BatchContext {
  run: RunRow;
  calendar: CycleCalendar;
  /** validation thresholds of a consumer category */
  thresholds: (category: string) => VeeThresholds;
  workerId: string;
  leaseMs: number;
}

interface Prepared {
  account: AccountRow;
  input?: AccountBillingInput;
  opening?: LastActualRead;
  failure?: { reason: string; message: string };
}

const DAY_MS = 86_400_000;
const LOOKBACK_MS = 400 * DAY_MS;

export function previousPeriod(period: string): string {
  const y = Number(period.slice(0, 4));
  const m = Number(period.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

export function createBillingWorker(deps: WorkerDeps) {
  const tz = deps.timezone;

  async function prepare(ctx: BatchContext, ids: number[]): Promise<Prepared[]> {
    const window = readWindow(ctx.calendar, ctx.run.period);
    const prevWindow = readWindow(ctx.calendar, previousPeriod(ctx.run.period));
    const closeFrom = utcOfLocalMidnight(tz, window.firstDay);
    const closeTo = utcOfLocalMidnight(tz, window.lastDay + 1);
    const prevFrom = utcOfLocalMidnight(tz, prevWindow.firstDay);
    const prevTo = utcOfLocalMidnight(tz, prevWindow.lastDay + 1);
    const [accounts, priors] = await Promise.all([loadAccounts(deps.db, ids), loadPriorBills(deps.db, ids, ctx.run.period)]);
    const earliest = Math.min(prevFrom, ...[...priors.values()].map((b) => b[0]?.lastActual?.read.ts ?? prevFrom));
    const installs = await loadInstallations(deps.db, ids, earliest - LOOKBACK_MS, closeTo);
    const meterIds = [...new Set([...installs.values()].flat().map((i) => i.meterId))];
    const allChannels = new Set<string>();
    const needsOf = new Map<number, ReturnType<typeof tariffNeeds>>();
    const out: Prepared[] = [];
    for (const a of accounts) {
      try {
        const file = deps.tariffs.get(a.tariffCode);
        const needs = tariffNeeds(versionOn(file, isoOfDay(window.readDay - 1)));
        needsOf.set(a.id, needs);
        for (const c of neededChannels(needs)) allChannels.add(c);
        out.push({ account: a });
      } catch (err) {
        out.push({ account: a, failure: { reason: 'no_tariff', message: err instanceof Error ? err.message : String(err) } });
      }
    }
    const channels = [...allChannels];
    const [closing, previous] = await Promise.all([
      loadSnapshots(deps.db, meterIds, channels, closeFrom, closeTo),
      loadSnapshots(deps.db, meterIds, channels, prevFrom, prevTo),
    ]);
    for (const p of out) {
      if (p.failure) continue;
      const a = p.account;
      const needs = needsOf.get(a.id) as ReturnType<typeof tariffNeeds>;
      const inst = installs.get(a.id) ?? [];
      const history = priors.get(a.id) ?? [];
      const ch = neededChannels(needs);
      const opening = history.find((b) => b.lastActual)?.lastActual ?? (history.length === 0 ? firstOpening(inst, prevWindow, prevFrom, previous, ch, tz) : undefined);
      if (!opening) {
        p.failure = { reason: 'no_opening_read', message: 'no earlier bill, no initial read and no read in the previous cycle window' };
        continue;
      }
      const plan = planPeriod(opening, inst, window, closing, ch, tz);
      if ('failure' in plan) {
        p.failure = { reason: plan.failure, message: plan.message };
        continue;
      }
      p.opening = opening;
      p.input = accountInput(a, needs, plan, window.readDay, history, ctx.thresholds);
    }
    await attachMeterData(out);
    return out;
  }

  function accountInput(a: AccountRow, needs: ReturnType<typeof tariffNeeds>, plan: PeriodPlan, readDay: number, history: PriorBillRow[], thresholds: (category: string) => VeeThresholds): AccountBillingInput {
    return {
      account: { active: a.status === 'active', category: a.category, sanctionedLoadKw: a.sanctionedLoadKw, contractDemandKva: a.contractDemandKva },
      needs, plan, readDay, previousPeriodTo: history[0]?.toDay, history, wraps: new Map(), demand: new Map(), thresholds: thresholds(a.category),
      normUnitsPerKwDay: deps.norms[a.category],
    };
  }

  /** Wraps and MD snapshots between each plan's reads, for the whole batch in two queries. */
  async function attachMeterData(prepared: Prepared[]): Promise<void> {
    const bounds: SpanBounds[] = [];
    const meterOf = new Map<string, number>();
    for (const p of prepared) {
      for (const i of p.input?.plan.installations ?? []) meterOf.set(i.serial, i.meterId);
      for (const s of p.input?.plan.spans ?? []) bounds.push({ meterId: meterOf.get(s.serial) as number, serial: s.serial, fromMs: s.opening.ts, toMs: s.closing.ts });
    }
    const channels = [...new Set(prepared.flatMap((p) => (p.input ? neededChannels(p.input.needs) : [])))];
    const demandChannels = [...new Set(prepared.map((p) => (p.input ? demandChannel(p.input.needs) : undefined)).filter((c): c is string => c !== undefined))];
    const wraps = await loadWraps(deps.db, bounds, channels);
    const demand = new Map<string, Map<string, DemandSnapshot[]>>();
    for (const c of demandChannels) demand.set(c, await loadDemand(deps.db, bounds, c));
    for (const p of prepared) {
      if (!p.input) continue;
      const dc = demandChannel(p.input.needs);
      const byMeter = dc ? demand.get(dc) : undefined;
      p.input.wraps = new Map(p.input.plan.spans.map((s) => [s.serial, wraps.get(s.serial) ?? {}]));
      p.input.demand = new Map(p.input.plan.spans.map((s) => [s.serial, byMeter?.get(s.serial) ?? []]));
    }
  }

  function price(ctx: BatchContext, p: Prepared, billDay: number): { bill?: NewBill; outcome: ItemOutcome; exceptions: { rule: string; severity: string; message: string; data: Record<string, unknown> }[] } {
    const a = p.account;
    if (p.failure || !p.input || !p.opening) {
      return { outcome: { accountId: a.id, status: 'failed', reason: p.failure?.reason ?? 'internal', details: { message: p.failure?.message ?? '' } }, exceptions: [] };
    }
    const result = billAccount(p.input);
    if ('failure' in result) return { outcome: { accountId: a.id, status: 'failed', reason: result.failure, details: { message: result.message } }, exceptions: [] };
    const { draft } = result;
    const exceptions = draft.exceptions.map((e) => ({ rule: e.rule, severity: e.severity, message: e.message, data: e.data }));
    let priced;
    try {
      priced = deps.tariffs.quoteParsed(a.tariffCode, quoteInputSchema.parse(draft.quote.input));
    } catch (err) {
      const message = err instanceof DomainError || err instanceof Error ? err.message : String(err);
      // data that is held for review often cannot be priced at all (no usable energy): the
      // account waits for the operator with its exceptions, without a bill
      if (exceptions.some((e) => e.severity === 'hold')) return { outcome: { accountId: a.id, status: ctx.run.dryRun ? 'computed' : 'held', reason: 'unpriceable', details: { message } }, exceptions };
      return { outcome: { accountId: a.id, status: 'failed', reason: 'pricing_failed', details: { message } }, exceptions: [] };
    }
    const built = buildBill(draft, priced, p.opening);
    const status = built.hold ? 'held' : 'issued';
    const bill: NewBill = {
      accountId: a.id, cyclePeriod: ctx.run.period, periodFrom: draft.period.from, periodTo: draft.period.to, status,
      estimated: draft.estimated, estimateMethod: draft.estimate?.method ?? null, tariffCode: a.tariffCode, total: built.total,
      billDate: isoOfDay(billDay), dueDate: isoOfDay(dueDay(ctx.calendar, a.category, billDay)),
      reads: built.reads, determinants: built.determinants, engine: built.engine, runId: ctx.run.id, lines: built.lines,
    };
    const outcome: ItemOutcome = { accountId: a.id, status: ctx.run.dryRun ? 'computed' : status, amount: built.total, estimated: draft.estimated };
    return { bill, outcome, exceptions };
  }

  /** Processes one claimed batch; returns how many items it finished. */
  async function processBatch(ctx: BatchContext, ids: number[]): Promise<number> {
    const prepared = await prepare(ctx, ids);
    const billDay = localDayOf(tz, deps.clock.now().getTime());
    const results = prepared.map((p) => price(ctx, p, billDay));
    return deps.db.transaction().execute(async (trx) => {
      const own = await lockOwnItems(trx, ctx.run.id, ctx.workerId, ids);
      const mine = results.filter((r) => own.has(r.outcome.accountId));
      if (!ctx.run.dryRun) {
        const bills = mine.filter((r) => r.bill).map((r) => r.bill as NewBill);
        const billIds = await insertBills(trx, ctx.calendar.billSeries, financialYear(billDay), bills);
        const idOf = new Map(bills.map((b, i) => [b.accountId, billIds[i] as number]));
        for (const r of mine) r.outcome.billId = idOf.get(r.outcome.accountId);
        await insertExceptions(trx, mine.flatMap((r) => r.exceptions.map((e) => ({ ...e, runId: ctx.run.id, accountId: r.outcome.accountId, billId: idOf.get(r.outcome.accountId) ?? null }))));
      }
      return finishItems(trx, ctx.run.id, ctx.workerId, mine.map((r) => r.outcome));
    });
  }

  /** Claims and processes batches until none is left. */
  async function drain(ctx: BatchContext, batchSize: number, onBatch?: (n: number) => void, signal?: AbortSignal): Promise<number> {
    let done = 0;
    for (;;) {
      // a stopping instance finishes its batch and claims no more; the rest stays pending
      if (signal?.aborted) return done;
      const ids = await claimItems(deps.db, ctx.run.id, batchSize, ctx.workerId, ctx.leaseMs);
      if (ids.length === 0) return done;
      const n = await processBatch(ctx, ids);
      done += n;
      onBatch?.(n);
    }
  }

  return { prepare, processBatch, drain };
}

/**
 * Thresholds of a category from a cycle group's settings: `{ "*": {...}, "<category>": {...} }`,
 * each a partial set over the documented defaults (vee-rules.ts).
 */
export function thresholdsFor(raw: Record<string, unknown>): (category: string) => VeeThresholds {
  const cache = new Map<string, VeeThresholds>();
  return (category) => {
    let t = cache.get(category);
    if (!t) {
      t = veeThresholdsSchema.parse({ ...(raw['*'] as object | undefined), ...(raw[category] as object | undefined) });
      cache.set(category, t);
    }
    return t;
  };
}
