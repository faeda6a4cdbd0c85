/**
 * Read side of ingestion: readings (raw or bucketed with date_bin, portable to plain PostgreSQL
 * and TimescaleDB), events, dead letters, table sizes. Rows are mapped explicitly.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { timescaleState } from '../db/timescale.js';
import type { Clock } from '../lib/clock.js';
import { ValidationError } from '../lib/errors.js';
import { requireMeter } from '../meters/meter-lookup.js';
import { daysFromCivil, utcOfLocalMidnight } from '../lib/local-time.js';
import { resolveInstant } from '../lib/time-query.js';
import { CHANNELS, channelInfo } from './channels.js';
import { eventInfo } from './event-catalogue.js';
import { applyMf } from './multiplying-factor.js';

export const BUCKETS = { '15m': '15 minutes', '1h': '1 hour', '1d': '1 day' } as const;
export type Bucket = keyof typeof BUCKETS;
export type Agg = 'sum' | 'max' | 'avg';

export interface Range {
  from?: string | undefined;
  to?: string | undefined;
}

const DAY_MS = 86_400_000;
const INTERVAL_CHANNELS = Object.entries(CHANNELS).filter(([, c]) => c.kind === 'interval').map(([code]) => code);
const METER_IDS_MAX = 100_000;
/** Row counts in /ingest/stats are exact up to this many rows, estimated above. */
const EXACT_COUNT_MAX = 100_000;

export function createReadingsQueries(deps: { db: Kysely<Database>; timezone: string; clock: Clock }) {
  const { db } = deps;

  function range(r: Range): { from: Date; to: Date } {
    // A date-only bound is local midnight in the utility's zone (src/lib/time-query.ts).
    const to = r.to ? resolveInstant(r.to, deps.timezone) : deps.clock.now();
    const from = r.from ? resolveInstant(r.from, deps.timezone) : new Date(to.getTime() - DAY_MS);
    if (from >= to) throw new ValidationError('from must be before to', { from: r.from, to: r.to });
    return { from, to };
  }

  // A meter's serial and id never change and meters are never deleted, so a found id can be
  // kept: a read then costs one query instead of two. Unknown serials are not remembered (the
  // meter may be registered a moment later) and the map is bounded (oldest entry dropped).
  const ids = new Map<string, number>();
  async function meterId(serial: string): Promise<number> {
    const known = ids.get(serial);
    if (known !== undefined) return known;
    const { id } = await requireMeter(db, serial);
    if (ids.size >= METER_IDS_MAX) ids.delete(ids.keys().next().value as string);
    ids.set(serial, id);
    return id;
  }
  // The date_bin origin: 2000-01-01 00:00 local time in the utility's zone.
  const origin = new Date(utcOfLocalMidnight(deps.timezone, daysFromCivil(2000, 1, 1))).toISOString();

  /**
   * The meter's multiplying factor, read on every request (a PATCH may change it, and a PK read
   * is cheap). The MF is kept per meter, without history: a meter replacement is another serial
   * with its own MF, but a CT change on the same meter rescales its earlier readings too.
   */
  async function multiplyingFactor(id: number): Promise<string> {
    const row = await db.selectFrom('meters').select(sql<string>`multiplying_factor::text`.as('mf')).where('id', '=', id).executeTakeFirstOrThrow();
    return row.mf;
  }

  async function readings(serial: string, q: Range & { channel?: string | undefined; limit: number; cursor?: string | undefined; applyMf?: boolean | undefined }) {
    const id = await meterId(serial);
    const mf = await multiplyingFactor(id);
    const { from, to } = range(q);
    const after = decodeTsCursor(q.cursor);
    const rowShift = sql`case when channel = any(${`{${INTERVAL_CHANNELS.join(',')}}`}::text[]) then interval '1 microsecond' else interval '0' end`;
    // The same day convention as `bucketed`: an interval reading belongs to the period its
    // interval ends in, so one stamped exactly at `to` is in and one exactly at `from` is out.
    let query = db
      .selectFrom('readings')
      .select(['channel', 'ts', sql<string>`value::text`.as('value'), 'occurred_at'])
      .where('meter_id', '=', id)
      .where('ts', '>=', from)
      .where('ts', '<=', to)
      .where(sql<boolean>`ts - ${rowShift} >= ${from} and ts - ${rowShift} < ${to}`);
    if (q.channel) query = query.where('channel', '=', q.channel);
    if (after) query = query.where((eb) => eb.or([eb('ts', '>', after.ts), eb.and([eb('ts', '=', after.ts), eb('channel', '>', after.channel)])]));
    const rows = await query.orderBy('ts').orderBy('channel').limit(q.limit + 1).execute();
    const page = rows.slice(0, q.limit).map((r) => ({
      channel: r.channel,
      ts: new Date(r.ts).toISOString(),
      value: r.value,
      ...(q.applyMf && { valueMf: applyMf(r.channel, r.value, mf) }),
      occurredAt: r.occurred_at ? new Date(r.occurred_at).toISOString() : null,
    }));
    const last = page[page.length - 1];
    return { serial, multiplyingFactor: mf, items: page, nextCursor: rows.length > q.limit && last ? encodeTsCursor(last.ts, last.channel) : null };
  }

  /**
   * The day convention (README, docs/mqtt.md): interval readings are stamped at the interval's
   * end and belong to the bucket/range the interval lies in, i.e. they are placed at `ts − 1 µs`;
   * a reading stamped exactly at midnight closes the previous day. Other kinds sit at `ts`.
   * Buckets aligned on local midnight of the utility's zone (origin 2000-01-01 00:00 there; fine
   * for zones without DST such as Asia/Kolkata). Interval energy is stamped at the interval's end,
   * so it is binned by `ts - 1 µs`: the 00:45–01:00 interval belongs to the 00:00 hour.
   */
  async function bucketed(serial: string, q: Range & { channel: string; bucket: Bucket; agg: Agg; applyMf?: boolean | undefined }) {
    const id = await meterId(serial);
    const mf = await multiplyingFactor(id);
    const { from, to } = range(q);
    const shift = channelInfo(q.channel)?.kind === 'interval' ? sql`interval '1 microsecond'` : sql`interval '0'`;
    const aggExpr = { sum: sql`sum(value)`, max: sql`max(value)`, avg: sql`round(avg(value), 6)` }[q.agg];
    const { rows } = await sql<{ bucket: Date; value: string; n: number }>`
      select date_bin(${BUCKETS[q.bucket]}::interval, ts - ${shift}, ${origin}::timestamptz) as bucket,
             (${aggExpr})::text as value, count(*)::int as n
      from readings
      where meter_id = ${id} and channel = ${q.channel} and ts - ${shift} >= ${from} and ts - ${shift} < ${to}
      group by 1 order by 1`.execute(db);
    return {
      serial,
      channel: q.channel,
      bucket: q.bucket,
      agg: q.agg,
      multiplyingFactor: mf,
      items: rows.map((r) => ({
        start: new Date(r.bucket).toISOString(),
        value: r.value,
        ...(q.applyMf && { valueMf: applyMf(q.channel, r.value, mf) }),
        count: Number(r.n),
      })),
    };
  }

  async function events(serial: string, q: Range & { code?: number | undefined; limit: number; cursor?: string | undefined }) {
    const id = await meterId(serial);
    const { from, to } = range(q);
    const after = decodeTsCursor(q.cursor);
    let query = db.selectFrom('events').select(['code', 'ts', 'details']).where('meter_id', '=', id).where('ts', '>=', from).where('ts', '<', to);
    if (q.code !== undefined) query = query.where('code', '=', q.code);
    const afterCode = after ? Number(after.channel) : 0;
    if (after && !Number.isInteger(afterCode)) throw new ValidationError('invalid cursor', { cursor: q.cursor });
    if (after) query = query.where((eb) => eb.or([eb('ts', '>', after.ts), eb.and([eb('ts', '=', after.ts), eb('code', '>', afterCode)])]));
    const rows = await query.orderBy('ts').orderBy('code').limit(q.limit + 1).execute();
    const page = rows.slice(0, q.limit).map((r) => ({ code: r.code, ...eventLabels(r.code), ts: new Date(r.ts).toISOString(), details: r.details ?? null }));
    const last = page[page.length - 1];
    return { serial, items: page, nextCursor: rows.length > q.limit && last ? encodeTsCursor(last.ts, String(last.code)) : null };
  }

  /** Row counts: TimescaleDB's approximate_row_count on hypertables, the planner estimate otherwise. */
  async function tableCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    // Qualified with the extension's schema: it need not be on the search_path.
    const ts = await timescaleState(db);
    const timescale = ts.preloaded && ts.schema !== undefined ? ts.schema : undefined;
    for (const t of ['readings', 'events', 'dead_letters']) {
      const { rows } = timescale
        ? await sql<{ n: string }>`select ${sql.id(timescale)}.approximate_row_count(${t}::regclass) as n`.execute(db)
        : await sql<{ n: string }>`select greatest(reltuples, 0)::bigint as n from pg_class where oid = ${t}::regclass`.execute(db);
      const estimate = Number(rows[0]?.n ?? 0);
      // Estimates lag (0 until the first ANALYZE): below EXACT_COUNT_MAX rows count exactly, with
      // a LIMIT so the cost stays bounded even when the estimate is stale on a big table.
      const { rows: exact } = await sql<{ n: string }>`select count(*) as n from (select 1 from ${sql.table(t)} limit ${EXACT_COUNT_MAX + 1}) x`.execute(db);
      const counted = Number(exact[0]?.n ?? 0);
      out[t] = counted <= EXACT_COUNT_MAX ? counted : Math.max(estimate, counted);
    }
    return out;
  }

  return { readings, bucketed, events, tableCounts };
}

export type ReadingsQueries = ReturnType<typeof createReadingsQueries>;

/** What an event code means (IS 15959 catalogue); nulls for a code stored before it was catalogued. */
function eventLabels(code: number) {
  const e = eventInfo(code);
  return { description: e?.description ?? null, event: e?.event ?? null, kind: e?.kind ?? null, category: e?.category ?? null };
}

function encodeTsCursor(ts: string, key: string): string {
  return Buffer.from(`${ts}|${key}`).toString('base64url');
}

function decodeTsCursor(c: string | undefined): { ts: Date; channel: string } | undefined {
  if (c === undefined) return undefined;
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\|([\d.]{1,16})$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  const ts = m ? new Date(m[1] as string) : undefined;
  if (!m || !ts || Number.isNaN(ts.getTime())) throw new ValidationError('invalid cursor', { cursor: c });
  return { ts, channel: m[2] as string };
}
