/**
 * Bills and their lines. Numbers: a bill takes the next number of its series and financial year
 * in the same transaction that inserts it (`takeNumbers` locks the counter row until commit), so a
 * rolled-back batch gives its numbers back and issued numbers have no gaps, however many workers
 * run. Held bills get no number until an operator releases them.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { dateColumnText } from '../db/date-column.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewBill {
  accountId: number;
  cyclePeriod: string;
  periodFrom: string;
  periodTo: string;
  status: 'held' | 'issued';
  estimated: boolean;
  estimateMethod: string | null;
  tariffCode: string;
  total: string;
  billDate: string;
  dueDate: string;
  reads: Record<string, unknown>;
  determinants: Record<string, unknown>;
  engine: Record<string, unknown>;
  runId: number;
  lines: BillLine[];
}

export interface BillLine {
  ruleId: string;
  kind: string;
  label: string;
  zone: string | null;
  amount: string;
  explanation: Record<string, unknown>;
}

/** Reserves `n` consecutive numbers of (series, fy); returns the first. Locks the counter until commit. */
export async function takeNumbers(trx: Transaction<Database>, series: string, fy: string, n: number): Promise<number> {
  const r = await sql<{ next_seq: string | number }>`
    insert into bill_series_counters (series, fy, next_seq) values (${series}, ${fy}, ${n + 1})
    on conflict (series, fy) do update set next_seq = bill_series_counters.next_seq + ${n}
    returning next_seq`.execute(trx);
  return Number(r.rows[0]?.next_seq) - n;
}

export function formatBillNo(series: string, fy: string, seq: number): string {
  return `${series}/${fy}/${String(seq).padStart(7, '0')}`;
}

/** Inserts bills (issued ones numbered in order) and their lines. Returns the ids in input order. */
export async function insertBills(trx: Transaction<Database>, series: string, fy: string, bills: readonly NewBill[]): Promise<number[]> {
  const issued = bills.filter((b) => b.status === 'issued').length;
  let seq = issued > 0 ? await takeNumbers(trx, series, fy, issued) : 0;
  const ids: number[] = [];
  for (const b of bills) {
    const number = b.status === 'issued' ? seq++ : null;
    const row = await trx.insertInto('bills').values({
      bill_no: number === null ? null : formatBillNo(series, fy, number), series, fy, seq: number,
      account_id: b.accountId, cycle_period: b.cyclePeriod, period_from: b.periodFrom, period_to: b.periodTo,
      status: b.status, estimated: b.estimated, estimate_method: b.estimateMethod, tariff_code: b.tariffCode, total: b.total,
      bill_date: b.billDate, due_date: b.dueDate, reads: JSON.stringify(b.reads), determinants: JSON.stringify(b.determinants),
      engine: JSON.stringify(b.engine), run_id: b.runId, issued_at: b.status === 'issued' ? sql<Date>`now()` : null,
    }).returning('id').executeTakeFirstOrThrow();
    const id = Number(row.id);
    ids.push(id);
    if (b.lines.length) {
      await trx.insertInto('bill_lines').values(b.lines.map((l, i) => ({
        bill_id: id, seq: i + 1, rule_id: l.ruleId, kind: l.kind, label: l.label, zone: l.zone, amount: l.amount, explanation: JSON.stringify(l.explanation),
      }))).execute();
    }
  }
  return ids;
}

export interface BillView {
  id: number;
  billNo: string | null;
  accountNo: string;
  cyclePeriod: string;
  period: { from: string; to: string };
  version: number;
  status: string;
  estimated: boolean;
  estimateMethod: string | null;
  tariffCode: string;
  total: string;
  billDate: string;
  dueDate: string;
  reads: Record<string, unknown>;
  determinants: Record<string, unknown>;
  warnings: string[];
  lines: (BillLine & { seq: number })[];
}


export async function getBills(db: Db, where: { id?: number; billNo?: string; accountNo?: string; cyclePeriod?: string; runId?: number }, limit = 50): Promise<BillView[]> {
  let q = db.selectFrom('bills as b').innerJoin('accounts as a', 'a.id', 'b.account_id').selectAll('b').select('a.account_no').orderBy('b.id').limit(limit);
  if (where.id !== undefined) q = q.where('b.id', '=', where.id);
  if (where.billNo !== undefined) q = q.where('b.bill_no', '=', where.billNo);
  if (where.accountNo !== undefined) q = q.where('a.account_no', '=', where.accountNo);
  if (where.cyclePeriod !== undefined) q = q.where('b.cycle_period', '=', where.cyclePeriod);
  if (where.runId !== undefined) q = q.where('b.run_id', '=', where.runId);
  const rows = await q.execute();
  if (rows.length === 0) return [];
  const lines = await db.selectFrom('bill_lines').selectAll().where('bill_id', 'in', rows.map((r) => r.id)).orderBy('bill_id').orderBy('seq').execute();
  return rows.map((r) => ({
    id: Number(r.id), billNo: r.bill_no, accountNo: r.account_no, cyclePeriod: r.cycle_period,
    period: { from: dateColumnText(r.period_from), to: dateColumnText(r.period_to) }, version: r.version, status: r.status,
    estimated: r.estimated, estimateMethod: r.estimate_method, tariffCode: r.tariff_code, total: r.total,
    billDate: dateColumnText(r.bill_date), dueDate: dateColumnText(r.due_date), reads: r.reads, determinants: r.determinants,
    warnings: ((r.engine as { warnings?: string[] }).warnings) ?? [],
    lines: lines.filter((l) => l.bill_id === r.id).map((l) => ({ seq: l.seq, ruleId: l.rule_id, kind: l.kind, label: l.label, zone: l.zone, amount: l.amount, explanation: l.explanation })),
  }));
}

export async function insertExceptions(trx: Transaction<Database>, rows: readonly { runId: number; accountId: number; billId: number | null; rule: string; severity: string; message: string; data: Record<string, unknown> }[]): Promise<void> {
  if (rows.length === 0) return;
  await trx.insertInto('billing_exceptions').values(rows.map((e) => ({
    run_id: e.runId, account_id: e.accountId, bill_id: e.billId, rule: e.rule, severity: e.severity, message: e.message, data: JSON.stringify(e.data),
  }))).execute();
}

/** A run's exceptions, oldest first (bounded: a run's report, not a stream). */
export async function listExceptions(db: Db, runId: number) {
  const rows = await db.selectFrom('billing_exceptions as e').innerJoin('accounts as a', 'a.id', 'e.account_id')
    .select(['e.id', 'a.account_no', 'e.bill_id', 'e.rule', 'e.severity', 'e.message', 'e.data', 'e.status', 'e.created_at'])
    .where('e.run_id', '=', runId).orderBy('e.id').limit(10_000).execute();
  return rows.map((r) => ({
    id: Number(r.id), accountNo: r.account_no, billId: r.bill_id === null ? null : Number(r.bill_id), rule: r.rule, severity: r.severity,
    message: r.message, data: r.data, status: r.status, createdAt: r.created_at.toISOString(),
  }));
}
