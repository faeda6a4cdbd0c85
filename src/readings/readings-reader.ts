/**
 * The reading queries billing and anomaly detection share, by meter id and in bulk: the register
 * snapshot nearest an instant, an interval series, and per-local-day aggregates. Portable SQL
 * (lateral joins, date_bin over local time), the same on plain PostgreSQL, the embedded database
 * and TimescaleDB; values stay decimal strings (numeric::text), never JS numbers.
 *
 * The day convention is the REST API's (README, docs/mqtt.md): an interval reading is stamped at
 * its interval's end and belongs to the day the interval lies in (it is placed at ts − 1 µs), so
 * one stamped exactly at local midnight closes the previous day; other kinds sit at their stamp.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ValidationError } from '../lib/errors.js';
import { CHANNELS, channelInfo, type ChannelKind } from './channels.js';

/** Bounds of one call: a billing worker's batch is far smaller; beyond these, split the call. */
export const READER_LIMITS = {
  meters: 10_000,
  channels: 32,
  /** registersAt: ± this tolerance at most. */
  windowMs: 31 * 86_400_000,
  /** intervalSeries: one range at most this long. */
  seriesMs: 400 * 86_400_000,
  /** dailyAggregates: days per call, and meters × channels × days (rows) per call. */
  days: 400,
  dailyRows: 2_000_000,
} as const;

export interface RegisterAt {
  meterId: number;
  channel: string;
  ts: Date;
  value: string;
  /** When a maximum demand occurred (demand channels), else null. */
  occurredAt: Date | null;
}

export interface IntervalPoint {
  /** End of the interval. */
  ts: Date;
  value: string;
}

export interface DailyAggregate {
  meterId: number;
  channel: string;
  /** Local day in the utility's zone, YYYY-MM-DD. */
  day: string;
  count: number;
  /** Register, demand and counter channels: the day's first and last reading; null for intervals. */
  first: { ts: Date; value: string } | null;
  last: { ts: Date; value: string } | null;
  /** Interval channels: the day's energy (exact sum); null for the other kinds. */
  sum: string | null;
}

const SNAPSHOT_KINDS: readonly ChannelKind[] = ['register', 'demand', 'counter'];
const INTERVAL_CHANNELS = Object.entries(CHANNELS).filter(([, c]) => c.kind === 'interval').map(([code]) => code);
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function createReadingsReader(deps: { db: Kysely<Database>; timezone: string }) {
  const { db, timezone } = deps;

  /**
   * Per meter and channel, the reading nearest `at` within ± `windowMs` (the earlier one on a tie);
   * pairs with none in the window are absent. Two index probes per pair (nearest at-or-before,
   * nearest after), so the cost follows meters × channels, not the readings in the window.
   */
  async function registersAt(meterIds: readonly number[], channels: readonly string[], at: Date, windowMs: number): Promise<RegisterAt[]> {
    checkMeters(meterIds);
    checkChannels(channels, SNAPSHOT_KINDS, 'registersAt takes register, demand or counter channels');
    checkInstant(at, 'at');
    if (!Number.isInteger(windowMs) || windowMs <= 0 || windowMs > READER_LIMITS.windowMs) {
      throw new ValidationError(`window must be a whole number of ms in 1…${READER_LIMITS.windowMs}`, { windowMs });
    }
    if (meterIds.length === 0 || channels.length === 0) return [];
    const lo = new Date(at.getTime() - windowMs);
    const hi = new Date(at.getTime() + windowMs);
    const { rows } = await sql<{ meter_id: string | number; channel: string; ts: Date; value: string; occurred_at: Date | null }>`
      select m.meter_id, c.channel, r.ts, r.value, r.occurred_at
      from unnest(${idArray(meterIds)}::bigint[]) as m(meter_id)
      cross join unnest(${textArray(channels)}::text[]) as c(channel)
      cross join lateral (
        select s.ts, s.value, s.occurred_at from (
          (select ts, value::text as value, occurred_at from readings
            where meter_id = m.meter_id and channel = c.channel and ts <= ${at} and ts >= ${lo}
            order by ts desc limit 1)
          union all
          (select ts, value::text as value, occurred_at from readings
            where meter_id = m.meter_id and channel = c.channel and ts > ${at} and ts <= ${hi}
            order by ts asc limit 1)
        ) s
        order by abs(extract(epoch from s.ts - ${at}::timestamptz)), s.ts
        limit 1
      ) r
      order by m.meter_id, c.channel`.execute(db);
    return rows.map((r) => ({
      meterId: Number(r.meter_id),
      channel: r.channel,
      ts: new Date(r.ts),
      value: r.value,
      occurredAt: r.occurred_at ? new Date(r.occurred_at) : null,
    }));
  }

  /** One meter's interval channel over (from, to]: the intervals ending after `from`, up to `to`. */
  async function intervalSeries(meterId: number, channel: string, from: Date, to: Date): Promise<IntervalPoint[]> {
    checkMeters([meterId]);
    checkChannels([channel], ['interval'], 'intervalSeries takes an interval channel');
    checkInstant(from, 'from');
    checkInstant(to, 'to');
    if (from >= to) throw new ValidationError('from must be before to', { from, to });
    if (to.getTime() - from.getTime() > READER_LIMITS.seriesMs) {
      throw new ValidationError(`an interval series spans at most ${READER_LIMITS.seriesMs / 86_400_000} days`, { from, to });
    }
    const rows = await db
      .selectFrom('readings')
      .select(['ts', sql<string>`value::text`.as('value')])
      .where('meter_id', '=', meterId)
      .where('channel', '=', channel)
      .where('ts', '>', from)
      .where('ts', '<=', to)
      .orderBy('ts')
      .execute();
    return rows.map((r) => ({ ts: new Date(r.ts), value: r.value }));
  }

  /**
   * Per meter, channel and local day from `from` to `to` (both included, YYYY-MM-DD in the
   * utility's zone): first and last reading of register-like channels, the sum of interval
   * channels. Days without readings are absent. Local days come from PostgreSQL's own zone
   * database (`at time zone`), so a 23- or 25-hour DST day is one day.
   */
  async function dailyAggregates(meterIds: readonly number[], channels: readonly string[], from: string, to: string): Promise<DailyAggregate[]> {
    checkMeters(meterIds);
    checkChannels(channels, [...SNAPSHOT_KINDS, 'interval'], 'dailyAggregates takes register, demand, counter or interval channels');
    const days = daySpan(from, to);
    if (meterIds.length * channels.length * days > READER_LIMITS.dailyRows) {
      throw new ValidationError(`meters × channels × days is at most ${READER_LIMITS.dailyRows} per call`, { meters: meterIds.length, channels: channels.length, days });
    }
    if (meterIds.length === 0 || channels.length === 0) return [];
    const shift = sql`case when channel = any(${textArray(INTERVAL_CHANNELS)}::text[]) then interval '1 microsecond' else interval '0' end`;
    const { rows } = await sql<{ meter_id: string | number; channel: string; day: string; n: number; first_ts: Date; first_value: string; last_ts: Date; last_value: string; total: string }>`
      with src as (
        select meter_id, channel, ts, value,
               date_bin('1 day', (ts - ${shift}) at time zone ${timezone}, timestamp '2000-01-01') as local_day
        from readings
        where meter_id = any(${idArray(meterIds)}::bigint[])
          and channel = any(${textArray(channels)}::text[])
          and ts >= (${from}::date)::timestamp at time zone ${timezone}
          and ts <= ((${to}::date + 1)::timestamp at time zone ${timezone}) + interval '1 microsecond'
      )
      select meter_id, channel, to_char(local_day, 'YYYY-MM-DD') as day, count(*)::int as n,
             min(ts) as first_ts, (array_agg(value::text order by ts))[1] as first_value,
             max(ts) as last_ts, (array_agg(value::text order by ts desc))[1] as last_value,
             sum(value)::text as total
      from src
      where local_day >= (${from}::date)::timestamp and local_day <= (${to}::date)::timestamp
      group by meter_id, channel, local_day
      order by meter_id, channel, local_day`.execute(db);
    return rows.map((r) => {
      const interval = channelInfo(r.channel)?.kind === 'interval';
      return {
        meterId: Number(r.meter_id),
        channel: r.channel,
        day: r.day,
        count: Number(r.n),
        first: interval ? null : { ts: new Date(r.first_ts), value: r.first_value },
        last: interval ? null : { ts: new Date(r.last_ts), value: r.last_value },
        sum: interval ? r.total : null,
      };
    });
  }

  return { registersAt, intervalSeries, dailyAggregates };
}

export type ReadingsReader = ReturnType<typeof createReadingsReader>;

function checkMeters(ids: readonly number[]): void {
  if (ids.length > READER_LIMITS.meters) throw new ValidationError(`at most ${READER_LIMITS.meters} meters per call`, { meters: ids.length });
  const bad = ids.find((id) => !Number.isSafeInteger(id) || id <= 0);
  if (bad !== undefined) throw new ValidationError('meter ids are positive integers', { meterId: bad });
}

function checkChannels(channels: readonly string[], kinds: readonly ChannelKind[], message: string): void {
  if (channels.length > READER_LIMITS.channels) throw new ValidationError(`at most ${READER_LIMITS.channels} channels per call`, { channels: channels.length });
  const bad = channels.filter((c) => !kinds.includes(channelInfo(c)?.kind as ChannelKind));
  if (bad.length > 0) throw new ValidationError(message, { channels: bad });
}

function checkInstant(d: Date, name: string): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new ValidationError(`${name} must be a valid instant`, { [name]: String(d) });
}

/** Days from `from` to `to`, both included; both must be real calendar dates. */
function daySpan(from: string, to: string): number {
  const a = calendarDay(from, 'from');
  const b = calendarDay(to, 'to');
  if (a > b) throw new ValidationError('from must not be after to', { from, to });
  const days = b - a + 1;
  if (days > READER_LIMITS.days) throw new ValidationError(`at most ${READER_LIMITS.days} days per call`, { from, to });
  return days;
}

function calendarDay(s: string, name: string): number {
  const m = DATE_RE.exec(s);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== s) throw new ValidationError(`${name} must be a date YYYY-MM-DD`, { [name]: s });
  return ms / 86_400_000;
}

/** Array literals for parameters: ids are checked integers and channels catalogue codes (digits and dots). */
function idArray(ids: readonly number[]): string {
  return `{${ids.join(',')}}`;
}

function textArray(codes: readonly string[]): string {
  return `{${codes.join(',')}}`;
}
