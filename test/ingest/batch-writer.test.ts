import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import type { Database } from '../../src/db/schema.js';
import { createBatchWriter, isTransientDbError, type WriteUnit } from '../../src/ingest/batch-writer.js';
import { countRows, installMeter, silentLog } from './fixtures.js';
import { copyText, createCopyBatchWrite } from '../../src/ingest/copy-writer.js';

function unit(meterId: number, n: number, startMs: number, value = '1.5'): WriteUnit {
  const readings = Array.from({ length: n }, (_, i) => ({ meterId, channel: '1.29.0', ts: startMs + i * 900_000, value, occurredAt: null }));
  return { readings, events: [], deadLetters: [], source: { topic: 't', payload: Buffer.from('{}') } };
}

/** A db whose transactions fail with `err` the first `failures` times. */
function flaky(db: Kysely<Database>, failures: number, err: Error & { code?: string }): Kysely<Database> {
  let left = failures;
  return new Proxy(db, {
    get(target, prop, recv) {
      if (prop !== 'transaction') return Reflect.get(target, prop, recv);
      return () => ({
        execute: async (fn: never) => {
          if (left-- > 0) throw err;
          return target.transaction().execute(fn);
        },
      });
    },
  });
}

const opts = { log: silentLog, maxRows: 1000, maxMs: 5, queueMaxRows: 10_000, retryMaxMs: 50, producers: () => 1 };

describe('batch writer', () => {
  let t: TestDatabase;
  let meterId: number;
  beforeAll(async () => {
    t = await createTestDatabase();
    meterId = await installMeter(t.db, 'BW001', '2024-01-01T00:00:00Z');
  });
  afterAll(async () => t?.close());

  it('writes exact decimals and ignores duplicates', async () => {
    const w = createBatchWriter({ db: t.db, ...opts });
    const start = Date.parse('2025-03-01T00:15:00Z');
    await w.submit(unit(meterId, 100, start, '123456789012345.123456789'));
    await w.submit(unit(meterId, 100, start, '123456789012345.123456789'));
    const row = await t.db.selectFrom('readings').select('value').where('meter_id', '=', meterId).executeTakeFirstOrThrow();
    expect(row.value).toBe('123456789012345.123456789');
    expect(w.stats()).toMatchObject({ rowsOffered: 200, rowsInserted: 100 });
  });

  it('does not resolve (ack) before the commit, retries transient errors and then commits', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const w = createBatchWriter({ db: flaky(t.db, 3, refused), ...opts });
    let acked = false;
    const before = await countRows(t.db, 'readings');
    const p = w.submit(unit(meterId, 10, Date.parse('2025-04-01T00:15:00Z'))).then(() => (acked = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(acked).toBe(false);
    await p;
    expect(w.stats().retries).toBe(3);
    expect(await countRows(t.db, 'readings')).toBe(before + 10);
  });

  it('dead-letters only the message the database refuses alone', async () => {
    const w = createBatchWriter({ db: t.db, ...opts, producers: () => 2 });
    const bad = unit(meterId, 1, Date.parse('2025-05-01T00:15:00Z'));
    bad.readings[0]!.value = 'NaN-ish'; // the database refuses it (22P02)
    const good = unit(meterId, 5, Date.parse('2025-05-02T00:15:00Z'));
    await Promise.all([w.submit(bad), w.submit(good)]);
    const dl = await t.db.selectFrom('dead_letters').select(['reason']).where('reason', '=', 'db_rejected').execute();
    expect(dl).toHaveLength(1);
    const stored = await t.db.selectFrom('readings').select('ts').where('ts', '>=', new Date('2025-05-01T00:00:00Z')).execute();
    expect(stored).toHaveLength(5);
  });

  it('classifies errors', () => {
    expect(isTransientDbError(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(isTransientDbError(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    expect(isTransientDbError(Object.assign(new Error('x'), { code: '22P02' }))).toBe(false);
    expect(isTransientDbError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('batch writer, COPY path on a server', () => {
  let t: TestDatabase;
  let meterId: number;
  beforeAll(async () => {
    t = await createTestDatabase();
    meterId = await installMeter(t.db, 'CP001', '2024-01-01T00:00:00Z');
  });
  afterAll(async () => t?.close());

  it('copies exact decimals, makes redelivery a no-op, and runs batches concurrently', async () => {
    const w = createBatchWriter({ db: t.db, write: createCopyBatchWrite(t.handle.pool!, t.db), concurrency: 2, ...opts, producers: () => 3 });
    const start = Date.parse('2025-03-01T00:15:00Z');
    const first = unit(meterId, 500, start, '123456789012345.123456789');
    // A redelivered unit overlapping the first (250 new rows) in the same and in a later batch.
    const overlap = unit(meterId, 500, start + 250 * 900_000, '123456789012345.123456789');
    await Promise.all([w.submit(first), w.submit(overlap), w.submit(unit(meterId, 10, Date.parse('2026-01-01T00:15:00Z')))]);
    await w.submit(first);
    expect(await countRows(t.db, 'readings')).toBe(760);
    const row = await t.db.selectFrom('readings').select('value').where('meter_id', '=', meterId).orderBy('ts').executeTakeFirstOrThrow();
    expect(row.value).toBe('123456789012345.123456789');
    expect(w.stats()).toMatchObject({ rowsOffered: 1510, rowsInserted: 760 });
  });

  it('stores the new rows of a small batch that partly repeats stored ones (plain insert, then the ON CONFLICT fallback)', async () => {
    const w = createBatchWriter({ db: t.db, write: createCopyBatchWrite(t.handle.pool!, t.db), concurrency: 1, ...opts, producers: () => 1 });
    const start = Date.parse('2028-01-01T00:15:00Z');
    const before = await countRows(t.db, 'readings');
    await w.submit(unit(meterId, 20, start));
    await w.submit(unit(meterId, 30, start + 10 * 900_000)); // rows 10..39: 10 repeated, 20 new
    expect((await countRows(t.db, 'readings')) - before).toBe(40);
    expect(w.stats()).toMatchObject({ rowsOffered: 50, rowsInserted: 40 });
  });

  it('keeps events and dead letters in the batch transaction', async () => {
    const w = createBatchWriter({ db: t.db, write: createCopyBatchWrite(t.handle.pool!, t.db), ...opts });
    const u = unit(meterId, 2, Date.parse('2027-01-01T00:15:00Z'));
    u.events.push({ meterId, code: 101, ts: Date.parse('2027-01-01T00:20:00Z'), details: { phase: 'R' } });
    u.deadLetters.push({ topic: 't', payload: Buffer.from('x'), reason: 'unknown_channel', details: { message: 'm' }, meterSerial: 'CP001' });
    await w.submit(u);
    await w.submit(u);
    expect(await countRows(t.db, 'events')).toBe(1);
    expect(await countRows(t.db, 'dead_letters')).toBe(2);
  });

  it('escapes COPY specials defensively', () => {
    const text = copyText([{ meterId: 1, channel: 'a\tb', ts: 0, value: '1\\2\n', occurredAt: null }]);
    expect(text).toBe('1\ta\\tb\t1970-01-01T00:00:00.000Z\t1\\\\2\\n\t\\N\n');
  });
});
