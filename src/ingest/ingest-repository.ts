/**
 * Ingest persistence: meter state for validation, and the batch write (readings via UNNEST,
 * events, dead letters, in statements within the protocol's limits) with ON CONFLICT DO NOTHING
 * so redelivered data is a no-op — and a different value for a stored key a `conflicting_value`
 * dead letter, never a silent drop.
 */
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { CHANNELS } from '../readings/channels.js';
import { findMetersBySerial } from '../meters/meter-lookup.js';
import type { DeadLetter } from './message-parse.js';
import type { EventRow, MeterState, ReadingRow, RegisterNeighbours } from './validate.js';

type Db = Kysely<Database> | Transaction<Database>;

const REGISTER_CHANNELS = Object.entries(CHANNELS)
  .filter(([, c]) => c.kind === 'register')
  .map(([code]) => code);

/** Meter id, installation windows and last register values for the given serials (absent = unknown). */
export async function loadMeterStates(db: Db, serials: string[]): Promise<Map<string, MeterState>> {
  const out = new Map<string, MeterState>();
  if (serials.length === 0) return out;
  const meters = [...(await findMetersBySerial(db, serials)).values()];
  if (meters.length === 0) return out;
  const ids = meters.map((m) => m.id);
  const byId = new Map<number, MeterState>();
  for (const m of meters) {
    const state: MeterState = { meterId: m.id, serial: m.serial, registerDigits: m.registerDigits, installations: [], registers: new Map() };
    out.set(m.serial, state);
    byId.set(m.id, state);
  }
  const installs = await db
    .selectFrom('meter_installations')
    .select(['meter_id', 'installed_at', 'removed_at', 'initial_reads'])
    .where('meter_id', 'in', ids)
    .orderBy('installed_at')
    .execute();
  for (const i of installs) {
    const state = byId.get(i.meter_id);
    if (!state) continue;
    const from = new Date(i.installed_at).getTime();
    state.installations.push({ from, to: i.removed_at ? new Date(i.removed_at).getTime() : null });
    // The installation's initial reads are the baseline until readings exist.
    for (const [ch, v] of Object.entries(i.initial_reads ?? {})) state.registers.set(ch, { ts: from, value: String(v) });
  }
  await loadLastRegisters(db, ids, byId);
  return out;
}

async function loadLastRegisters(db: Db, ids: number[], byId: Map<number, MeterState>): Promise<void> {
  const { rows } = await sql<{ meter_id: number; channel: string; ts: Date; value: string }>`
    select distinct on (meter_id, channel) meter_id, channel, ts, value::text as value
    from readings
    where meter_id = any(${`{${ids.join(',')}}`}::bigint[])
      and channel = any(${`{${REGISTER_CHANNELS.join(',')}}`}::text[])
    order by meter_id, channel, ts desc`.execute(db);
  for (const r of rows) {
    const state = byId.get(Number(r.meter_id));
    const ts = new Date(r.ts).getTime();
    const prev = state?.registers.get(r.channel);
    if (state && (!prev || ts >= prev.ts)) state.registers.set(r.channel, { ts, value: r.value });
  }
}

/**
 * Per channel, the stored values just before and just after `at`: the neighbours a late or
 * redelivered snapshot is checked against (validate.ts), so it is not compared with a newer value
 * on the far side of a rollover.
 */
export async function loadRegisterNeighbours(db: Db, meterId: number, channels: string[], at: number): Promise<Map<string, RegisterNeighbours>> {
  const out = new Map<string, RegisterNeighbours>();
  if (channels.length === 0) return out;
  const chans = `{${channels.join(',')}}`;
  const ts = new Date(at).toISOString();
  const { rows } = await sql<{ side: 'before' | 'after'; channel: string; ts: Date; value: string }>`
    (select distinct on (channel) 'before' as side, channel, ts, value::text as value from readings
      where meter_id = ${meterId} and channel = any(${chans}::text[]) and ts < ${ts}::timestamptz order by channel, ts desc)
    union all
    (select distinct on (channel) 'after' as side, channel, ts, value::text as value from readings
      where meter_id = ${meterId} and channel = any(${chans}::text[]) and ts > ${ts}::timestamptz order by channel, ts asc)`.execute(db);
  for (const r of rows) {
    const n = out.get(r.channel) ?? {};
    n[r.side] = { ts: new Date(r.ts).getTime(), value: r.value };
    out.set(r.channel, n);
  }
  return out;
}

export interface WriteCounts {
  readings: number;
  events: number;
  deadLetters: number;
  /** Readings refused because a different value is stored for their key (dead-lettered). */
  conflicts: number;
}

/** What a batch writer writes in one transaction. */
export interface Batch {
  readings: ReadingRow[];
  events: EventRow[];
  deadLetters: DeadLetter[];
  /** The topic each reading came in on (`readingKey`), for its `conflicting_value` dead letter. */
  topics?: Map<string, string>;
}

export const readingKey = (r: { meterId: number; channel: string; ts: number }): string => `${r.meterId}|${r.channel}|${r.ts}`;

/**
 * Rows per INSERT … VALUES statement: PostgreSQL's protocol counts bind parameters in 16 bits
 * (65,535), and a gateway batch of 20 meters × 1000 events is 80,000 of them in one statement.
 * 1000 rows × 5 columns stays far below; bytes are bounded too (dead letters carry payloads).
 */
const CHUNK_ROWS = 1000;
const CHUNK_BYTES = 8 * 1_048_576;

export function chunks<T>(rows: T[], size: (r: T) => number = () => 0): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const r of rows) {
    const b = size(r);
    if (cur.length > 0 && (cur.length >= CHUNK_ROWS || bytes + b > CHUNK_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += b;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Writes one batch inside the caller's transaction; returns the rows actually inserted. */
export async function writeBatch(trx: Transaction<Database>, batch: Batch): Promise<WriteCounts> {
  const readings = await insertReadings(trx, batch.readings);
  const conflicts = readings < batch.readings.length ? await findConflicts(trx, batch.readings) : [];
  const dls = [...batch.deadLetters, ...conflictDeadLetters(conflicts, batch.topics)];
  let events = 0;
  for (const c of chunks(batch.events)) events += Number((await eventsInsert(trx, c).executeTakeFirst()).numInsertedOrUpdatedRows ?? 0);
  for (const c of chunks(dls, deadLetterBytes)) await deadLettersInsert(trx, c).execute();
  return { readings, events, deadLetters: dls.length, conflicts: conflicts.length };
}

/**
 * One statement per batch: five array parameters unnested into rows. The arrays are passed as
 * PostgreSQL array literals built here (every element is a digit string, an OBIS code or an ISO
 * time, so no quoting is needed), which both drivers send as a single text parameter.
 */
export async function insertReadings(db: Db, rows: ReadingRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const res = await db.executeQuery(readingsInsert(rows));
  return Number(res.numAffectedRows ?? 0);
}

/** The UNNEST insert of a batch, duplicates ignored (both drivers; the COPY path's small batches). */
export function readingsInsert(rows: ReadingRow[]): CompiledQuery {
  return CompiledQuery.raw(readingsUnnestSql(true), readingsArrays(rows));
}

const UNNEST_INPUT = 'unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::numeric[], $5::timestamptz[])';

/** The statement with $1..$5 = readingsArrays; without ON CONFLICT for the server's fast path. */
export function readingsUnnestSql(onConflict: boolean): string {
  return `insert into readings (meter_id, channel, ts, value, occurred_at)
    select * from ${UNNEST_INPUT}${onConflict ? ' on conflict do nothing' : ''}`;
}

/**
 * The offered readings whose key holds a different stored value (numerically: 4.927 = 4.9270) or
 * MD time. Run after the insert in the same transaction: rows just inserted equal their input, so
 * what remains are the corrections ON CONFLICT DO NOTHING skipped, including a second, different
 * value for one key within the batch.
 */
export const CONFLICTS_SQL = `select i.meter_id, m.serial, i.channel, i.ts, r.value::text as stored, i.value::text as received,
    r.occurred_at as stored_occurred_at, i.occurred_at as received_occurred_at
  from ${UNNEST_INPUT} as i (meter_id, channel, ts, value, occurred_at)
  join readings r on r.meter_id = i.meter_id and r.channel = i.channel and r.ts = i.ts
  join meters m on m.id = i.meter_id
  where r.value <> i.value or r.occurred_at is distinct from i.occurred_at`;

export interface ConflictRow {
  meter_id: number | string;
  serial: string;
  channel: string;
  ts: Date | string;
  stored: string;
  received: string;
  stored_occurred_at: Date | string | null;
  received_occurred_at: Date | string | null;
}

async function findConflicts(db: Db, rows: ReadingRow[]): Promise<ConflictRow[]> {
  const res = await db.executeQuery<ConflictRow>(CompiledQuery.raw(CONFLICTS_SQL, readingsArrays(rows)));
  return res.rows;
}

const iso = (t: Date | string | null): string | null => (t === null ? null : new Date(t).toISOString());

/** A `conflicting_value` dead letter per refused correction, carrying both values. */
export function conflictDeadLetters(rows: ConflictRow[], topics: Map<string, string> | undefined): DeadLetter[] {
  return rows.map((c) => {
    const ts = new Date(c.ts).getTime();
    const reading = { serial: c.serial, channel: c.channel, ts: iso(c.ts), value: c.received, occurredAt: iso(c.received_occurred_at) };
    return {
      topic: topics?.get(readingKey({ meterId: Number(c.meter_id), channel: c.channel, ts })) ?? 'unknown',
      payload: Buffer.from(JSON.stringify(reading)),
      reason: 'conflicting_value',
      details: {
        message: `${c.channel} at ${reading.ts}: stored ${c.stored}, received ${c.received}; the stored value is kept`,
        channel: c.channel,
        ts: reading.ts,
        storedValue: c.stored,
        receivedValue: c.received,
        storedOccurredAt: iso(c.stored_occurred_at),
        receivedOccurredAt: iso(c.received_occurred_at),
      },
      meterSerial: c.serial,
    };
  });
}

/** The five columns as PostgreSQL array literals (one text parameter each). */
export function readingsArrays(rows: ReadingRow[]): [string, string, string, string, string] {
  const ids: string[] = [];
  const channels: string[] = [];
  const ts: string[] = [];
  const values: string[] = [];
  const occurred: string[] = [];
  for (const r of rows) {
    ids.push(String(r.meterId));
    channels.push(r.channel);
    ts.push(new Date(r.ts).toISOString());
    values.push(r.value);
    occurred.push(r.occurredAt === null ? 'NULL' : new Date(r.occurredAt).toISOString());
  }
  const arr = (xs: string[]) => `{${xs.join(',')}}`;
  return [arr(ids), arr(channels), arr(ts), arr(values), arr(occurred)];
}

/** The events insert (redelivered events are ignored by the key); at most CHUNK_ROWS rows (chunks()). */
export function eventsInsert(db: Db, rows: EventRow[]) {
  return db
    .insertInto('events')
    .values(rows.map((e) => ({ meter_id: e.meterId, code: e.code, ts: new Date(e.ts), details: e.details ? JSON.stringify(e.details) : null })))
    .onConflict((oc) => oc.doNothing());
}

/** At most CHUNK_ROWS rows (chunks()). Details are made storable: jsonb refuses U+0000. */
export function deadLettersInsert(db: Db, rows: DeadLetter[]) {
  return db
    .insertInto('dead_letters')
    .values(rows.map((d) => ({ topic: d.topic, payload: d.payload, reason: d.reason, details: jsonbText(d.details), meter_serial: d.meterSerial })));
}

export const deadLetterBytes = (d: DeadLetter): number => d.payload.length + d.topic.length;

/**
 * JSON for a jsonb column describing bad input: a NUL (which jsonb cannot hold, so the whole
 * batch would fail) in any key or string becomes U+2400 SYMBOL FOR NULL. Never used for meter
 * data, whose NULs are refused (validate.ts).
 */
export function jsonbText(v: unknown): string {
  return JSON.stringify(v, function (this: unknown, _k, val: unknown) {
    if (typeof val === 'string') return val.replace(/\0/g, '\u2400');
    if (val && typeof val === 'object' && !Array.isArray(val) && !Buffer.isBuffer(val)) {
      const o = val as Record<string, unknown>;
      if (Object.keys(o).some((k) => k.includes('\0'))) return Object.fromEntries(Object.entries(o).map(([k, x]) => [k.replace(/\0/g, '\u2400'), x]));
    }
    return val;
  });
}
