/**
 * Ingest persistence: meter state for validation, and the batch write (readings via UNNEST,
 * events, dead letters) with ON CONFLICT DO NOTHING so redelivered data is a no-op.
 */
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { CHANNELS } from './channels.js';
import type { DeadLetter } from './message-parse.js';
import type { EventRow, MeterState, ReadingRow } from './validate.js';

type Db = Kysely<Database> | Transaction<Database>;

const REGISTER_CHANNELS = Object.entries(CHANNELS)
  .filter(([, c]) => c.kind === 'register')
  .map(([code]) => code);

/** Meter id, installation windows and last register values for the given serials (absent = unknown). */
export async function loadMeterStates(db: Db, serials: string[]): Promise<Map<string, MeterState>> {
  const out = new Map<string, MeterState>();
  if (serials.length === 0) return out;
  const meters = await db.selectFrom('meters').select(['id', 'serial']).where('serial', 'in', serials).execute();
  if (meters.length === 0) return out;
  const ids = meters.map((m) => m.id);
  const byId = new Map<number, MeterState>();
  for (const m of meters) {
    const state: MeterState = { meterId: m.id, serial: m.serial, installations: [], registers: new Map() };
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

export interface WriteCounts {
  readings: number;
  events: number;
  deadLetters: number;
}

/** Writes one batch inside the caller's transaction; returns the rows actually inserted. */
export async function writeBatch(
  trx: Transaction<Database>,
  batch: { readings: ReadingRow[]; events: EventRow[]; deadLetters: DeadLetter[] },
): Promise<WriteCounts> {
  const readings = await insertReadings(trx, batch.readings);
  const events = await insertEvents(trx, batch.events);
  const deadLetters = await insertDeadLetters(trx, batch.deadLetters);
  return { readings, events, deadLetters };
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

/** The statement with $1..$5 = readingsArrays; without ON CONFLICT for the server's fast path. */
export function readingsUnnestSql(onConflict: boolean): string {
  return `insert into readings (meter_id, channel, ts, value, occurred_at)
    select * from unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::numeric[], $5::timestamptz[])${onConflict ? ' on conflict do nothing' : ''}`;
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

/** The events insert (redelivered events are ignored by the key); also compiled for the COPY path. */
export function eventsInsert(db: Db, rows: EventRow[]) {
  return db
    .insertInto('events')
    .values(rows.map((e) => ({ meter_id: e.meterId, code: e.code, ts: new Date(e.ts), details: e.details ? JSON.stringify(e.details) : null })))
    .onConflict((oc) => oc.doNothing());
}

export function deadLettersInsert(db: Db, rows: DeadLetter[]) {
  return db
    .insertInto('dead_letters')
    .values(rows.map((d) => ({ topic: d.topic, payload: d.payload, reason: d.reason, details: JSON.stringify(d.details), meter_serial: d.meterSerial })));
}

async function insertEvents(db: Db, rows: EventRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const res = await eventsInsert(db, rows).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0);
}

async function insertDeadLetters(db: Db, rows: DeadLetter[]): Promise<number> {
  if (rows.length === 0) return 0;
  await deadLettersInsert(db, rows).execute();
  return rows.length;
}
