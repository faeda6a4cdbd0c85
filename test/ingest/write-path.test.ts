/**
 * The ingest write path under hostile volumes and failures (issue 8, #2, #8, #16): statements
 * within protocol limits, precise error classes, bounded retries, corrections recorded, counts
 * after commit. Runs on the embedded database, and on a server (TEST_DATABASE_URL) through both the
 * Kysely (UNNEST) and the COPY writers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/test-db.js';
import { systemClock } from '../../src/lib/clock.js';
import { createIngestService } from '../../src/ingest/ingest-service.js';
import { createBatchWriter, isTransientDbError, type WriteUnit } from '../../src/ingest/batch-writer.js';
import { createCopyBatchWrite } from '../../src/ingest/copy-writer.js';
import { writeBatch, type Batch } from '../../src/ingest/ingest-repository.js';
import { gatewayTopic, meterTopic } from '../../src/ingest/topics.js';
import { countRows, installMeter, settings, silentLog, uniquePrefix } from './fixtures.js';

const paths = serverUrl ? (['kysely', 'copy'] as const) : (['kysely'] as const);
const prefix = uniquePrefix('write-path');
const sqlErr = (code: string) => Object.assign(new Error(`error ${code}`), { code });

/** 20 meters × 1000 events, ~900 KB: 80,000 bind parameters as one INSERT … VALUES. */
function bigGatewayBatch(gatewayId: string, serials: string[], code: number, day = '2025-06-01'): Buffer {
  const base = Date.parse(`${day}T00:00:00Z`);
  const meters = serials.map((serial) => ({
    serial,
    events: Array.from({ length: 1000 }, (_, i) => ({ at: new Date(base + i * 60_000).toISOString(), code, details: { phase: 'R', n: i } })),
  }));
  return Buffer.from(JSON.stringify({ gatewayId, meters }));
}

describe('ingest write path', () => {
  let t: TestDatabase;
  const serials = Array.from({ length: 20 }, (_, i) => `WPG${String(i).padStart(3, '0')}`);

  beforeAll(async () => {
    t = await createTestDatabase();
    for (const s of serials) await installMeter(t.db, s, '2024-01-01T00:00:00Z');
    for (const p of paths) await installMeter(t.db, `WPC-${p}`, '2024-01-01T00:00:00Z');
  }, 120_000);
  afterAll(async () => t?.close());

  const service = (path: 'kysely' | 'copy', metrics = new Registry()) =>
    createIngestService({
      db: t.db,
      pool: path === 'copy' ? t.handle.pool : undefined,
      log: silentLog,
      clock: systemClock,
      metrics,
      settings: settings('mqtt://unused', prefix, { maxPayloadBytes: 2 * 1_048_576, retryMaxMs: 20 }),
    });

  describe.each(paths)('%s writer', (path) => {
    it('stores a gateway batch of 20 meters × 1000 events (one ~900 KB message)', async () => {
      const payload = bigGatewayBatch(`gw-${path}`, serials, 101, path === 'copy' ? '2025-07-01' : '2025-06-01');
      expect(payload.length).toBeGreaterThan(800_000);
      const svc = service(path);
      const before = await countRows(t.db, 'events');
      const outcome = await svc.ingest(gatewayTopic(prefix, `gw-${path}`), payload);
      expect(outcome).toEqual({ stored: true });
      expect((await countRows(t.db, 'events')) - before).toBe(20_000);
      expect(svc.stats()).toMatchObject({ messages: { stored: 1, partial: 0, deadLettered: 0 }, events: 20_000, retries: 0 });
    }, 120_000);

    it('stores 20,000 dead letters of one message', async () => {
      const payload = bigGatewayBatch(`gwd-${path}`, serials, 999);
      const svc = service(path);
      const before = await countRows(t.db, 'dead_letters');
      await svc.ingest(gatewayTopic(prefix, `gwd-${path}`), payload);
      expect((await countRows(t.db, 'dead_letters')) - before).toBe(20_000);
      expect(svc.stats().deadLetters).toEqual({ unknown_event_code: 20_000 });
    }, 120_000);

    it('ignores an identical redelivery and records a different value for a stored reading', async () => {
      const metrics = new Registry();
      const svc = service(path, metrics);
      const serial = `WPC-${path}`;
      const msg = (v: string) => Buffer.from(JSON.stringify({ instant: [{ at: '2025-02-01T10:00:00Z', values: { '32.7.0': v } }] }));
      await svc.ingest(meterTopic(prefix, serial), msg('4.927'));
      await svc.ingest(meterTopic(prefix, serial), msg('4.9270'));
      const conflicts = () => t.db.selectFrom('dead_letters').selectAll().where('reason', '=', 'conflicting_value').where('meter_serial', '=', serial).execute();
      expect(await conflicts()).toEqual([]);
      await svc.ingest(meterTopic(prefix, serial), msg('9.999'));
      const dl = await conflicts();
      expect(dl).toHaveLength(1);
      expect(dl[0]?.topic).toBe(meterTopic(prefix, serial));
      expect(dl[0]?.details).toMatchObject({ channel: '32.7.0', ts: '2025-02-01T10:00:00.000Z', storedValue: '4.927', receivedValue: '9.999' });
      expect(JSON.parse(Buffer.from(dl[0]!.payload).toString())).toMatchObject({ serial, value: '9.999' });
      const stored = await t.db
        .selectFrom('readings as r')
        .innerJoin('meters as m', 'm.id', 'r.meter_id')
        .select('r.value')
        .where('m.serial', '=', serial)
        .where('r.channel', '=', '32.7.0')
        .execute();
      expect(stored.map((r) => r.value)).toEqual(['4.927']);
      expect(svc.stats().deadLetters).toEqual({ conflicting_value: 1 });
      expect((await metrics.getSingleMetric('meterbill_ingest_conflicting_values_total')?.get())?.values[0]?.value).toBe(1);
    }, 60_000);
  });

  it.skipIf(!serverUrl)('records different values in a large COPY batch (the staging fallback), and two values for one key in one batch', async () => {
    const meterId = await installMeter(t.db, 'WPCOPY1', '2024-01-01T00:00:00Z');
    const w = createBatchWriter({ db: t.db, write: createCopyBatchWrite(t.handle.pool!, t.db), log: silentLog, maxRows: 10_000, maxMs: 5, queueMaxRows: 100_000, retryMaxMs: 20, producers: () => 1 });
    const start = Date.parse('2025-03-01T00:15:00Z');
    const rows = (n: number, v: (i: number) => string) => Array.from({ length: n }, (_, i) => ({ meterId, channel: '1.29.0', ts: start + i * 900_000, value: v(i), occurredAt: null }));
    const unit = (readings: WriteUnit['readings']): WriteUnit => ({ readings, events: [], deadLetters: [], source: { topic: 'copy/topic', payload: Buffer.from('{}') } });
    await w.submit(unit(rows(1200, () => '1.5')));
    // Redelivered with two corrections (rows 7 and 1100) and 100 new rows.
    await w.submit(unit(rows(1300, (i) => (i === 7 || i === 1100 ? '2.5' : '1.5'))));
    // A small batch (the autocommit fast path) holding a key twice with different values.
    const k = start + 5000 * 900_000;
    await w.submit(unit([{ meterId, channel: '1.29.0', ts: k, value: '3', occurredAt: null }, { meterId, channel: '1.29.0', ts: k, value: '4', occurredAt: null }]));
    const dl = await t.db.selectFrom('dead_letters').select(['details', 'topic']).where('reason', '=', 'conflicting_value').where('meter_serial', '=', 'WPCOPY1').execute();
    expect(dl.map((d) => (d.details as { receivedValue: string }).receivedValue).sort()).toEqual(['2.5', '2.5', '4']);
    expect(dl.every((d) => d.topic === 'copy/topic')).toBe(true);
    const n = await t.db.selectFrom('readings').select((eb) => eb.fn.countAll<number>().as('n')).where('meter_id', '=', meterId).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1301);
  }, 60_000);

  it('classifies errors precisely', () => {
    for (const code of ['08000', '08003', '08006', '40001', '40P01', '53300', '57P01', '57P03', 'ECONNRESET']) expect(isTransientDbError(sqlErr(code)), code).toBe(true);
    for (const code of ['08P01', '53400', '22P02', '23505', '54000', '42601']) expect(isTransientDbError(sqlErr(code)), code).toBe(false);
  });

  describe('a message that keeps failing', () => {
    /** The real write, except that batches holding readings fail with `err`. */
    const failingReadings = (err: Error, calls: { n: number }) => (b: Batch) => {
      if (b.readings.length > 0) {
        calls.n++;
        return Promise.reject(err);
      }
      return t.db.transaction().execute((trx) => writeBatch(trx, b));
    };
    const reading = (meterId: number): WriteUnit => ({
      readings: [{ meterId, channel: '1.29.0', ts: Date.parse('2025-09-01T00:15:00Z'), value: '1', occurredAt: null }],
      events: [],
      deadLetters: [],
      source: { topic: 'fail/topic', payload: Buffer.from('{"raw":true}') },
    });

    it('is dead-lettered write_failed with the error code after the bounded attempts (then resolves: acked)', async () => {
      const meterId = await installMeter(t.db, 'WPF001', '2024-01-01T00:00:00Z');
      const calls = { n: 0 };
      const w = createBatchWriter({ db: t.db, write: failingReadings(sqlErr('53200'), calls), log: silentLog, maxRows: 1000, maxMs: 1, queueMaxRows: 10_000, retryMaxMs: 5, maxAttempts: 4, producers: () => 1 });
      const outcome = await w.submit(reading(meterId));
      expect(outcome).toEqual({ stored: false, reason: 'write_failed' });
      expect(calls.n).toBe(4);
      const dl = await t.db.selectFrom('dead_letters').select(['payload', 'details', 'topic']).where('reason', '=', 'write_failed').execute();
      expect(dl).toHaveLength(1);
      expect(dl[0]).toMatchObject({ topic: 'fail/topic', details: { code: '53200', attempts: 4 } });
      expect(Buffer.from(dl[0]!.payload).toString()).toBe('{"raw":true}');
    });

    it('is dead-lettered db_rejected at once on a protocol violation (08P01), not retried', async () => {
      const meterId = await installMeter(t.db, 'WPF002', '2024-01-01T00:00:00Z');
      const calls = { n: 0 };
      const w = createBatchWriter({ db: t.db, write: failingReadings(sqlErr('08P01'), calls), log: silentLog, maxRows: 1000, maxMs: 1, queueMaxRows: 10_000, retryMaxMs: 5, maxAttempts: 4, producers: () => 1 });
      expect(await w.submit(reading(meterId))).toEqual({ stored: false, reason: 'db_rejected' });
      expect(calls.n).toBe(1);
      expect(w.stats().retries).toBe(0);
    });

    it('is kept and retried past the bound while the database takes nothing at all (an outage), then stored', async () => {
      const meterId = await installMeter(t.db, 'WPF003', '2024-01-01T00:00:00Z');
      // Down for six attempts at the message; every dead letter tried meanwhile fails too.
      let down = 6;
      const write = (b: Batch) => {
        const fails = b.readings.length > 0 ? down-- > 0 : down >= 0;
        return fails ? Promise.reject(sqlErr('57P03')) : t.db.transaction().execute((trx) => writeBatch(trx, b));
      };
      const w = createBatchWriter({ db: t.db, write, log: silentLog, maxRows: 1000, maxMs: 1, queueMaxRows: 10_000, retryMaxMs: 5, maxAttempts: 2, producers: () => 1 });
      expect(await w.submit(reading(meterId))).toEqual({ stored: true });
      const n = await t.db.selectFrom('readings').select('value').where('meter_id', '=', meterId).execute();
      expect(n).toHaveLength(1);
    });
  });
});
