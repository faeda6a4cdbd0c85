/**
 * Cycle groups, billing runs and run items. A real run is unique per (group, period): starting
 * it again returns the same run, re-opens it, adds accounts that joined the group and puts failed
 * items back to pending; issued and held items are never touched again. Workers claim pending
 * items (or items whose claim lease ran out: a killed worker) with FOR UPDATE SKIP LOCKED, so
 * several workers and instances share a run without taking the same account twice.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { D } from '../tariffs/decimal.js';
import type { CycleCalendar } from './cycle-calendar.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface RunRow {
  id: number;
  cycleGroup: string;
  period: string;
  dryRun: boolean;
  status: 'running' | 'completed';
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
}

export type ItemStatus = 'pending' | 'claimed' | 'issued' | 'held' | 'failed' | 'computed';

function toRun(r: { id: number; cycle_group: string; period: string; dry_run: boolean; status: string; started_by: string; started_at: Date; finished_at: Date | null }): RunRow {
  return {
    id: Number(r.id), cycleGroup: r.cycle_group, period: r.period, dryRun: r.dry_run, status: r.status as RunRow['status'],
    startedBy: r.started_by, startedAt: r.started_at.toISOString(), finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
  };
}

export async function upsertCycleGroup(db: Db, c: CycleCalendar, veeThresholds: Record<string, unknown>): Promise<void> {
  await db.insertInto('cycle_groups').values({
    code: c.group, read_day: c.readDay, window_days: c.windowDays, due_days: JSON.stringify(c.dueDays), bill_series: c.billSeries, vee_thresholds: JSON.stringify(veeThresholds),
  }).onConflict((oc) => oc.column('code').doUpdateSet({
    read_day: c.readDay, window_days: c.windowDays, due_days: JSON.stringify(c.dueDays), bill_series: c.billSeries, vee_thresholds: JSON.stringify(veeThresholds),
    updated_at: sql<Date>`now()`, version: sql<number>`cycle_groups.version + 1`,
  })).execute();
}

export interface CycleGroupRow { calendar: CycleCalendar; veeThresholds: Record<string, unknown>; version: number; updatedAt: string }

export async function getCycleGroup(db: Db, code: string): Promise<CycleGroupRow | undefined> {
  const r = await db.selectFrom('cycle_groups').selectAll().where('code', '=', code).executeTakeFirst();
  return r && toGroup(r);
}

export async function listCycleGroups(db: Db): Promise<CycleGroupRow[]> {
  return (await db.selectFrom('cycle_groups').selectAll().orderBy('code').execute()).map(toGroup);
}

function toGroup(r: { code: string; read_day: number; window_days: number; due_days: CycleCalendar['dueDays']; bill_series: string; vee_thresholds: Record<string, unknown>; version: number; updated_at: Date }): CycleGroupRow {
  return {
    calendar: { group: r.code, readDay: r.read_day, windowDays: r.window_days, dueDays: { default: r.due_days.default, byCategory: r.due_days.byCategory ?? {} }, billSeries: r.bill_series },
    veeThresholds: r.vee_thresholds, version: r.version, updatedAt: r.updated_at.toISOString(),
  };
}

/**
 * Opens the run of (group, period) or returns the existing one (a dry run is always new), and
 * makes sure every active account of the group has an item. Two operators starting at once get
 * the same run: the partial unique index decides, the loser reads the winner's row.
 */
export async function openRun(db: Kysely<Database>, group: string, period: string, dryRun: boolean, startedBy: string): Promise<{ run: RunRow; created: boolean; added: number; retried: number }> {
  return db.transaction().execute(async (trx) => {
    let created = false;
    let row = dryRun ? undefined : await trx.selectFrom('billing_runs').selectAll().where('cycle_group', '=', group).where('period', '=', period).where('dry_run', '=', false).forUpdate().executeTakeFirst();
    if (!row) {
      const inserted = await sql<{ id: number }>`insert into billing_runs (cycle_group, period, dry_run, status, started_by)
        values (${group}, ${period}, ${dryRun}, 'running', ${startedBy})
        on conflict (cycle_group, period) where not dry_run do nothing returning id`.execute(trx);
      const id = inserted.rows[0]?.id;
      created = id !== undefined;
      row = await trx.selectFrom('billing_runs').selectAll()
        .where((eb) => (id !== undefined ? eb('id', '=', id) : eb.and([eb('cycle_group', '=', group), eb('period', '=', period), eb('dry_run', '=', false)])))
        .forUpdate().executeTakeFirstOrThrow();
    }
    const runId = Number(row.id);
    const added = await sql`insert into billing_run_items (run_id, account_id, status)
      select ${runId}, a.id, 'pending' from accounts a where a.cycle_group = ${group} and a.status = 'active'
      on conflict (run_id, account_id) do nothing`.execute(trx);
    const retried = await trx.updateTable('billing_run_items').set({ status: 'pending', claimed_by: null, claimed_at: null, reason: null, details: null })
      .where('run_id', '=', runId).where('status', '=', 'failed').executeTakeFirst();
    if (row.status !== 'running') {
      await trx.updateTable('billing_runs').set({ status: 'running', finished_at: null }).where('id', '=', runId).execute();
      row = { ...row, status: 'running', finished_at: null };
    }
    return { run: toRun(row), created, added: Number(added.numAffectedRows ?? 0), retried: Number(retried.numUpdatedRows) };
  });
}

export async function getRun(db: Db, id: number): Promise<RunRow | undefined> {
  const r = await db.selectFrom('billing_runs').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toRun(r);
}

export async function listRuns(db: Db, filter: { cycleGroup?: string | undefined; period?: string | undefined }, limit: number, beforeId?: number): Promise<RunRow[]> {
  let q = db.selectFrom('billing_runs').selectAll().orderBy('id', 'desc').limit(limit);
  if (filter.cycleGroup) q = q.where('cycle_group', '=', filter.cycleGroup);
  if (filter.period) q = q.where('period', '=', filter.period);
  if (beforeId !== undefined) q = q.where('id', '<', beforeId);
  return (await q.execute()).map(toRun);
}

/** Claims up to `n` items: pending ones, or claimed ones whose lease (ms) ran out. */
export async function claimItems(db: Db, runId: number, n: number, workerId: string, leaseMs: number): Promise<number[]> {
  const res = await sql<{ account_id: number }>`
    update billing_run_items set status = 'claimed', claimed_by = ${workerId}, claimed_at = now(), attempts = attempts + 1
    where run_id = ${runId} and account_id in (
      select account_id from billing_run_items
      where run_id = ${runId} and (status = 'pending' or (status = 'claimed' and claimed_at < now() - ${`${leaseMs} milliseconds`}::interval))
      order by account_id limit ${n} for update skip locked)
    returning account_id`.execute(db);
  return res.rows.map((r) => Number(r.account_id)).sort((a, b) => a - b);
}

export interface ItemOutcome {
  accountId: number;
  status: Exclude<ItemStatus, 'pending' | 'claimed'>;
  reason?: string | undefined;
  details?: Record<string, unknown> | undefined;
  billId?: number | undefined;
  amount?: string | undefined;
  estimated?: boolean | undefined;
}

/** Records outcomes; only items still claimed by this worker are changed (a stolen lease loses). */
export async function finishItems(trx: Transaction<Database>, runId: number, workerId: string, outcomes: readonly ItemOutcome[]): Promise<number> {
  let n = 0;
  for (const o of outcomes) {
    const r = await trx.updateTable('billing_run_items').set({
      status: o.status, reason: o.reason ?? null, details: o.details ? JSON.stringify(o.details) : null,
      bill_id: o.billId ?? null, amount: o.amount ?? null, estimated: o.estimated ?? null,
    }).where('run_id', '=', runId).where('account_id', '=', o.accountId).where('status', '=', 'claimed').where('claimed_by', '=', workerId).executeTakeFirst();
    n += Number(r.numUpdatedRows);
  }
  return n;
}

/** Items still stolen-proof claimed by this worker (checked inside the writing transaction). */
export async function lockOwnItems(trx: Transaction<Database>, runId: number, workerId: string, accountIds: readonly number[]): Promise<Set<number>> {
  if (accountIds.length === 0) return new Set();
  const rows = await trx.selectFrom('billing_run_items').select('account_id').where('run_id', '=', runId)
    .where('account_id', 'in', accountIds).where('status', '=', 'claimed').where('claimed_by', '=', workerId).forUpdate().execute();
  return new Set(rows.map((r) => Number(r.account_id)));
}

export async function completeIfDone(db: Db, runId: number): Promise<boolean> {
  const r = await sql<{ id: number }>`update billing_runs set status = 'completed', finished_at = now()
    where id = ${runId} and status = 'running'
      and not exists (select 1 from billing_run_items where run_id = ${runId} and status in ('pending', 'claimed'))
    returning id`.execute(db);
  return r.rows.length > 0;
}

export interface RunCounts { total: number; byStatus: Record<string, number>; amount: string; estimated: number; failedByReason: Record<string, number> }

export async function runCounts(db: Db, runId: number): Promise<RunCounts> {
  const rows = await sql<{ status: string; reason: string | null; n: string | number; amount: string | null; estimated: string | number }>`
    select status, case when status = 'failed' then reason end as reason, count(*) as n, sum(amount) as amount, count(*) filter (where estimated) as estimated
    from billing_run_items where run_id = ${runId} group by 1, 2`.execute(db);
  const out: RunCounts = { total: 0, byStatus: {}, amount: '0', estimated: 0, failedByReason: {} };
  let amount = new D(0);
  for (const r of rows.rows) {
    const n = Number(r.n);
    out.total += n;
    out.byStatus[r.status] = (out.byStatus[r.status] ?? 0) + n;
    out.estimated += Number(r.estimated);
    if (r.status === 'failed') out.failedByReason[r.reason ?? 'unknown'] = (out.failedByReason[r.reason ?? 'unknown'] ?? 0) + n;
    if (r.amount !== null && (r.status === 'issued' || r.status === 'computed')) amount = amount.plus(r.amount);
  }
  out.amount = amount.toFixed();
  return out;
}
