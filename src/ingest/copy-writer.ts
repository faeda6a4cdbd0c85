/**
 * The server's fast path for a batch, on a connection of its own from the pool (so several
 * batches can be in flight):
 * - a small batch of readings only (one-reading-per-message traffic) is one autocommit UNNEST
 *   statement, prepared once per connection: a single round trip, where a transaction costs four
 *   or more;
 * - otherwise one transaction: readings by COPY (or UNNEST below COPY_MIN_ROWS, where COPY's extra
 *   round trips cost more than they save), then the batch's events and dead letters.
 *
 * COPY goes straight into `readings` inside a savepoint — that is the ceiling the benchmark
 * compares against. Redelivered data (after a crash or a lost PUBACK) hits the primary key; then,
 * and only then, the batch is copied into a temporary staging table and moved with
 * `INSERT … ON CONFLICT DO NOTHING`, so duplicates cost nothing in the common case and stay a
 * no-op in the rare one. Whenever rows were skipped, the batch is compared with what is stored and
 * every different value becomes a `conflicting_value` dead letter in the same transaction (the
 * fast path's autocommit statement falls back to the transaction for that). Events and dead
 * letters go in chunks, so no statement nears the protocol's 65,535 bind parameters.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Batch, ConflictRow, WriteCounts } from './ingest-repository.js';
import {
  chunks,
  conflictDeadLetters,
  CONFLICTS_SQL,
  deadLetterBytes,
  deadLettersInsert,
  eventsInsert,
  readingsArrays,
  readingsInsert,
  readingsUnnestSql,
} from './ingest-repository.js';
import type { ReadingRow } from './validate.js';

export type { Batch } from './ingest-repository.js';

const COLUMNS = '(meter_id, channel, ts, value, occurred_at)';
/** Below this many rows UNNEST beats COPY (measured: 30 rows 4 ms vs 8 ms; 10k rows COPY ~2x faster). */
const COPY_MIN_ROWS = 1000;
const UNIQUE_VIOLATION = '23505';
const UNNEST_PLAIN = readingsUnnestSql(false);

/**
 * A batch that has not committed by then is abandoned: its connection is destroyed (so a COPY
 * stuck on a half-open socket errors out) and the writer retries it as a transient failure.
 */
const WRITE_TIMEOUT_MS = 60_000;

export function createCopyBatchWrite(pool: pg.Pool, db: Kysely<Database>, timeoutMs = WRITE_TIMEOUT_MS) {
  return async function write(batch: Batch): Promise<WriteCounts> {
    const client = await pool.connect();
    let failure: Error | undefined;
    // The failure reaches us through the pending query; an unhandled 'error' event would crash.
    const onError = (err: Error) => void (failure ??= err);
    client.on('error', onError);
    const watchdog = setTimeout(() => {
      const stream = (client as unknown as { connection?: { stream?: { destroy(err?: Error): void } } }).connection?.stream;
      stream?.destroy(Object.assign(new Error(`batch write timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    try {
      if (batch.events.length === 0 && batch.deadLetters.length === 0 && batch.readings.length < COPY_MIN_ROWS) {
        const readings = await unnestReadings(client, batch.readings);
        if (readings !== null) return { readings, events: 0, deadLetters: 0, conflicts: 0 };
      }
      await client.query('begin');
      const counts = await writeInTransaction(client, db, batch);
      await client.query('commit');
      return counts;
    } catch (err) {
      failure = err as Error;
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(watchdog);
      client.off('error', onError);
      // A connection-level failure discards the client instead of returning it to the pool.
      client.release(failure && !(failure as { code?: string }).code?.match(/^[0-9A-Z]{5}$/) ? failure : undefined);
    }
  };
}

async function writeInTransaction(client: pg.PoolClient, db: Kysely<Database>, batch: Batch): Promise<WriteCounts> {
  const rows = batch.readings;
  const readings = rows.length >= COPY_MIN_ROWS ? await copyReadings(client, rows) : await run(client, readingsInsert(rows));
  const conflicts = readings < rows.length ? (await client.query<ConflictRow>(CONFLICTS_SQL, readingsArrays(rows))).rows : [];
  const dls = [...batch.deadLetters, ...conflictDeadLetters(conflicts, batch.topics)];
  let events = 0;
  for (const c of chunks(batch.events)) events += await run(client, eventsInsert(db, c));
  for (const c of chunks(dls, deadLetterBytes)) await run(client, deadLettersInsert(db, c));
  return { readings, events, deadLetters: dls.length, conflicts: conflicts.length };
}

async function run(client: pg.PoolClient, q: Compilable<unknown> | CompiledQuery): Promise<number> {
  const c = 'compile' in q ? q.compile() : q;
  const res = await client.query(c.sql, c.parameters as unknown[]);
  return res.rowCount ?? 0;
}

/**
 * One autocommit statement, prepared once per connection. A plain INSERT: ON CONFLICT's
 * speculative insertion costs PostgreSQL ~70 % more CPU per row (measured: 12.3 vs 7.1 µs for
 * 100-row batches). Null when redelivered or corrected data hits the key (the statement then
 * changed nothing): the batch goes again in a transaction that ignores duplicates and records
 * different values.
 */
async function unnestReadings(client: pg.PoolClient, rows: ReadingRow[]): Promise<number | null> {
  if (rows.length === 0) return 0;
  try {
    return (await client.query({ name: 'meterbill_readings_unnest', text: UNNEST_PLAIN, values: readingsArrays(rows) })).rowCount ?? 0;
  } catch (err) {
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
    return null;
  }
}

async function copyReadings(client: pg.PoolClient, rows: ReadingRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const text = copyText(rows);
  await client.query('savepoint readings_copy');
  try {
    await copy(client, `copy readings ${COLUMNS} from stdin`, text);
    await client.query('release savepoint readings_copy');
    return rows.length;
  } catch (err) {
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
    await client.query('rollback to savepoint readings_copy');
  }
  await client.query(`create temp table if not exists readings_stage
    (meter_id bigint, channel text, ts timestamptz, value numeric, occurred_at timestamptz) on commit delete rows`);
  await copy(client, `copy readings_stage ${COLUMNS} from stdin`, text);
  const res = await client.query(`insert into readings ${COLUMNS} select * from readings_stage on conflict do nothing`);
  return res.rowCount ?? 0;
}

function copy(client: pg.PoolClient, sql: string, text: string): Promise<void> {
  return pipeline(Readable.from([text]), client.query(copyFrom(sql)));
}

/** COPY text format. Values are validated decimals, OBIS codes and ISO times; escaping is a guard. */
export function copyText(rows: ReadingRow[]): string {
  const lines: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as ReadingRow;
    const occurred = r.occurredAt === null ? '\\N' : new Date(r.occurredAt).toISOString();
    lines[i] = `${r.meterId}\t${field(r.channel)}\t${new Date(r.ts).toISOString()}\t${field(r.value)}\t${occurred}\n`;
  }
  return lines.join('');
}

const SPECIAL = /[\t\n\r\\]/;

function field(s: string): string {
  if (!SPECIAL.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}
