/**
 * What billing reads for a batch of accounts, in a few bulk queries (never one query per
 * account): the accounts, their installations, their earlier bills, register snapshots in the
 * read windows, and — once the reads are chosen — rollover counts and MD snapshots between
 * them. Rows are mapped explicitly to the pure core's shapes.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { dateColumnText } from '../db/date-column.js';
import type { RegisterRead } from './consumption.js';
import type { InstallationData } from './account-period.js';
import type { PriorBill } from './account-billing.js';
import type { DemandSnapshot } from './max-demand.js';
import { dayOf } from '../lib/local-time.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface AccountRow {
  id: number;
  accountNo: string;
  category: string;
  tariffCode: string;
  status: string;
  sanctionedLoadKw: string;
  contractDemandKva: string | null;
}

export interface PriorBillRow extends PriorBill {
  accountId: number;
  /** last actual read carried by the bill (its closing read, or the opening an estimate carried forward) */
  lastActual: { serial: string; read: RegisterRead; day: number } | undefined;
}

const HISTORY_BILLS = 13;
const ms = (d: Date | string) => (d instanceof Date ? d.getTime() : Date.parse(d));

export async function loadAccounts(db: Db, ids: readonly number[]): Promise<AccountRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('accounts')
    .select(['id', 'account_no', 'category', 'tariff_code', 'status', 'sanctioned_load_kw', 'contract_demand_kva'])
    .where('id', 'in', ids).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, accountNo: r.account_no, category: r.category, tariffCode: r.tariff_code, status: r.status, sanctionedLoadKw: r.sanctioned_load_kw, contractDemandKva: r.contract_demand_kva }));
}

/** Installations of the accounts that overlap [fromMs, toMs), grouped by account. */
export async function loadInstallations(db: Db, ids: readonly number[], fromMs: number, toMs: number): Promise<Map<number, InstallationData[]>> {
  const out = new Map<number, InstallationData[]>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('meter_installations as i').innerJoin('meters as m', 'm.id', 'i.meter_id')
    .select(['i.account_id', 'i.meter_id', 'm.serial', 'm.multiplying_factor', 'm.register_digits', 'm.status', 'i.installed_at', 'i.removed_at', 'i.initial_reads', 'i.final_reads'])
    .where('i.account_id', 'in', ids)
    .where('i.installed_at', '<', new Date(toMs))
    .where((eb) => eb.or([eb('i.removed_at', 'is', null), eb('i.removed_at', '>', new Date(fromMs))]))
    .orderBy('i.installed_at').execute();
  for (const r of rows) {
    const list = out.get(r.account_id) ?? [];
    list.push({
      meterId: r.meter_id, serial: r.serial, mf: r.multiplying_factor, registerDigits: r.register_digits, meterStatus: r.status,
      installedAt: ms(r.installed_at), removedAt: r.removed_at === null ? null : ms(r.removed_at),
      initialReads: r.initial_reads, finalReads: r.final_reads,
    });
    out.set(r.account_id, list);
  }
  return out;
}

/** The accounts' latest bills before `cyclePeriod` (issued or held, never cancelled), newest first. */
export async function loadPriorBills(db: Db, ids: readonly number[], cyclePeriod: string): Promise<Map<number, PriorBillRow[]>> {
  const out = new Map<number, PriorBillRow[]>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('bills')
    .select(['account_id', 'cycle_period', 'period_from', 'period_to', 'estimated', 'total', 'determinants', 'reads'])
    .where('account_id', 'in', ids).where('cycle_period', '<', cyclePeriod).where('status', '!=', 'cancelled')
    .orderBy('account_id').orderBy('period_to', 'desc').orderBy('version', 'desc').execute();
  for (const r of rows) {
    const list = out.get(r.account_id) ?? [];
    if (list.length >= HISTORY_BILLS || list.some((b) => b.cyclePeriod === r.cycle_period)) continue;
    const det = r.determinants as { units?: Record<string, string>; maxDemand?: string };
    const reads = r.reads as { lastActual?: { serial: string; ts: string; values: Record<string, string>; day: string } };
    list.push({
      accountId: r.account_id, cyclePeriod: r.cycle_period, fromDay: dayOf(dateColumnText(r.period_from)), toDay: dayOf(dateColumnText(r.period_to)),
      estimated: r.estimated, units: det.units ?? {}, total: r.total, maxDemand: det.maxDemand,
      lastActual: reads.lastActual ? { serial: reads.lastActual.serial, read: { ts: Date.parse(reads.lastActual.ts), values: reads.lastActual.values }, day: dayOf(reads.lastActual.day) } : undefined,
    });
    out.set(r.account_id, list);
  }
  return out;
}

/** Register snapshots (the channels asked) of the meters in [fromMs, toMs), per meter, oldest first. */
export async function loadSnapshots(db: Db, meterIds: readonly number[], channels: readonly string[], fromMs: number, toMs: number): Promise<Map<number, RegisterRead[]>> {
  const out = new Map<number, RegisterRead[]>();
  if (meterIds.length === 0 || channels.length === 0) return out;
  const rows = await db.selectFrom('readings').select(['meter_id', 'ts', 'channel', 'value'])
    .where('meter_id', 'in', meterIds).where('channel', 'in', channels)
    .where('ts', '>=', new Date(fromMs)).where('ts', '<', new Date(toMs))
    .orderBy('meter_id').orderBy('ts').execute();
  for (const r of rows) {
    const list = out.get(r.meter_id) ?? [];
    const ts = ms(r.ts);
    let snap = list[list.length - 1];
    if (!snap || snap.ts !== ts) {
      snap = { ts, values: {} };
      list.push(snap);
    }
    (snap.values as Record<string, string>)[r.channel] = r.value;
    out.set(r.meter_id, list);
  }
  return out;
}

export interface SpanBounds { meterId: number; serial: string; fromMs: number; toMs: number }

/** Wraps per meter serial and channel: decreases between consecutive stored values inside each span. */
export async function loadWraps(db: Db, spans: readonly SpanBounds[], channels: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (spans.length === 0 || channels.length === 0) return out;
  const res = await sql<{ meter_id: number; channel: string; wraps: string | number }>`
    with b as (select * from unnest(${sql.val(spans.map((s) => s.meterId))}::bigint[], ${sql.val(spans.map((s) => new Date(s.fromMs).toISOString()))}::timestamptz[], ${sql.val(spans.map((s) => new Date(s.toMs).toISOString()))}::timestamptz[]) as b(meter_id, from_ts, to_ts))
    select meter_id, channel, count(*) filter (where value < prev) as wraps from (
      select r.meter_id, r.channel, r.value, lag(r.value) over (partition by r.meter_id, r.channel order by r.ts) as prev
      from readings r join b on b.meter_id = r.meter_id and r.ts >= b.from_ts and r.ts <= b.to_ts
      where r.channel = any(${sql.val([...channels])}::text[])
    ) x group by meter_id, channel`.execute(db);
  const serialOf = new Map(spans.map((s) => [s.meterId, s.serial]));
  for (const r of res.rows) {
    const n = Number(r.wraps);
    if (n === 0) continue;
    const serial = serialOf.get(Number(r.meter_id)) as string;
    out.set(serial, { ...(out.get(serial) ?? {}), [r.channel]: n });
  }
  return out;
}

/** MD snapshots (with the reset counter taken at the same instant) inside each span, per meter serial. */
export async function loadDemand(db: Db, spans: readonly SpanBounds[], channel: string): Promise<Map<string, DemandSnapshot[]>> {
  const out = new Map<string, DemandSnapshot[]>();
  if (spans.length === 0) return out;
  const res = await sql<{ meter_id: number; ts: Date | string; value: string; occurred_at: Date | string | null; reset_count: string | null }>`
    with b as (select * from unnest(${sql.val(spans.map((s) => s.meterId))}::bigint[], ${sql.val(spans.map((s) => new Date(s.fromMs).toISOString()))}::timestamptz[], ${sql.val(spans.map((s) => new Date(s.toMs).toISOString()))}::timestamptz[]) as b(meter_id, from_ts, to_ts))
    select r.meter_id, r.ts, r.value, r.occurred_at, c.value as reset_count
    from readings r join b on b.meter_id = r.meter_id and r.ts > b.from_ts and r.ts <= b.to_ts
    left join readings c on c.meter_id = r.meter_id and c.channel = '0.1.0' and c.ts = r.ts
    where r.channel = ${channel}
    order by r.meter_id, r.ts`.execute(db);
  const serialOf = new Map(spans.map((s) => [s.meterId, s.serial]));
  for (const r of res.rows) {
    if (r.occurred_at === null) continue;
    const serial = serialOf.get(Number(r.meter_id)) as string;
    const list = out.get(serial) ?? [];
    list.push({ ts: ms(r.ts), value: r.value, occurredAt: ms(r.occurred_at), resetCount: r.reset_count === null ? undefined : Number(r.reset_count) });
    out.set(serial, list);
  }
  return out;
}
