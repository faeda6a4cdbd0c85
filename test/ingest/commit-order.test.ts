/**
 * What happens only after a commit (issue 8, #16, #17, #23; issue 14): statistics, the meter's
 * register baseline, readiness when nothing commits, the cold-start baseline and rollover checks
 * against stored neighbours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { systemClock } from '../../src/lib/clock.js';
import { createIngestService } from '../../src/ingest/ingest-service.js';
import { meterTopic } from '../../src/ingest/topics.js';
import { installMeter, settings, silentLog, uniquePrefix } from './fixtures.js';

/**
 * A db whose write transactions are controlled by `gate`: it may refuse one (a permanent error)
 * or hold it until released. Everything else goes to the real instance (Kysely keeps private
 * fields, so methods are bound to it).
 */
function gated(db: Kysely<Database>, gate: { refuse: number; hold?: Promise<void> }): Kysely<Database> {
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== 'transaction') return typeof value === 'function' ? value.bind(target) : value;
      return () => ({
        execute: async (fn: never) => {
          if (gate.hold) await gate.hold;
          if (gate.refuse-- > 0) throw Object.assign(new Error('value out of range'), { code: '22003' });
          return target.transaction().execute(fn);
        },
      });
    },
  });
}

const prefix = uniquePrefix('commit-order');
const regMsg = (at: string, v: string, rollover = false) =>
  Buffer.from(JSON.stringify({ registers: [{ at, values: { '1.8.0': v }, ...(rollover ? { rollover: ['1.8.0'] } : {}) }] }));

describe('after commit only', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await installMeter(t.db, 'CO001', '2024-01-01T00:00:00Z', { initialReads: { '1.8.0': '100' } });
    await installMeter(t.db, 'CO002', '2024-01-01T00:00:00Z');
    await installMeter(t.db, 'CO003', '2024-01-01T00:00:00Z');
    await installMeter(t.db, 'CO004', '2024-01-01T00:00:00Z');
  });
  afterAll(async () => t?.close());

  const svc = (db: Kysely<Database>, over: Parameters<typeof settings>[2] = {}) =>
    createIngestService({ db, log: silentLog, clock: systemClock, settings: settings('mqtt://unused', prefix, { retryMaxMs: 20, ...over }) });
  const deadLetters = (serial: string) => t.db.selectFrom('dead_letters').select(['reason', 'details']).where('meter_serial', '=', serial).execute();

  it('counts a message the database rejected as dead-lettered, not stored, and keeps the register baseline', async () => {
    const gate = { refuse: 1 };
    const s = svc(gated(t.db, gate));
    // Rejected by the database: 200 must not become the baseline.
    expect(await s.ingest(meterTopic(prefix, 'CO001'), regMsg('2025-01-10T00:00:00Z', '200'))).toEqual({ stored: false, reason: 'db_rejected' });
    expect(s.stats()).toMatchObject({ messages: { stored: 0, partial: 0, deadLettered: 1 }, deadLetters: { db_rejected: 1 }, readingsOffered: 0 });
    // A correct later reading above the stored baseline (100) but below the rejected 200.
    expect(await s.ingest(meterTopic(prefix, 'CO001'), regMsg('2025-01-11T00:00:00Z', '150'))).toEqual({ stored: true });
    expect(await deadLetters('CO001')).toEqual([]);
    expect(s.stats()).toMatchObject({ messages: { stored: 1, deadLettered: 1 }, readingsInserted: 1 });
    // The committed 150 is the baseline now.
    await s.ingest(meterTopic(prefix, 'CO001'), regMsg('2025-01-12T00:00:00Z', '149'));
    expect((await deadLetters('CO001')).map((d) => d.reason)).toEqual(['register_backwards']);
  });

  it('loads the register baseline from stored readings on a cold start', async () => {
    const meter = await t.db.selectFrom('meters').select('id').where('serial', '=', 'CO002').executeTakeFirstOrThrow();
    await t.db.insertInto('readings').values({ meter_id: meter.id, channel: '1.8.0', ts: '2025-02-01T00:00:00Z', value: '5000.5' }).execute();
    const fresh = svc(t.db);
    await fresh.ingest(meterTopic(prefix, 'CO002'), regMsg('2025-02-02T00:00:00Z', '4999'));
    expect((await deadLetters('CO002')).map((d) => d.reason)).toEqual(['register_backwards']);
    await fresh.ingest(meterTopic(prefix, 'CO002'), regMsg('2025-02-02T00:00:00Z', '5001'));
    expect(await t.db.selectFrom('readings').select('value').where('meter_id', '=', meter.id).orderBy('ts').execute()).toEqual([{ value: '5000.5' }, { value: '5001' }]);
  });

  it('stores a late pre-wrap snapshot after a declared rollover, against its stored neighbours and the register capacity', async () => {
    await sql`update meters set register_digits = 6 where serial = 'CO003'`.execute(t.db);
    const s = svc(t.db);
    const topic = meterTopic(prefix, 'CO003');
    expect(await s.ingest(topic, regMsg('2025-03-01T00:00:00Z', '999900'))).toEqual({ stored: true });
    await s.ingest(topic, regMsg('2025-03-01T12:00:00Z', '50', true));
    // Late, between the two: pre-wrap (above 999900) and post-wrap (below 50) are both consistent.
    await s.ingest(topic, regMsg('2025-03-01T06:00:00Z', '999950'));
    await s.ingest(topic, regMsg('2025-03-01T09:00:00Z', '20'));
    // Inside the wrap, and beyond a 6-digit register: refused.
    await s.ingest(topic, regMsg('2025-03-01T07:00:00Z', '500000'));
    await s.ingest(topic, regMsg('2025-03-01T13:00:00Z', '1000001'));
    const stored = await t.db.selectFrom('readings as r').innerJoin('meters as m', 'm.id', 'r.meter_id').select('r.value').where('m.serial', '=', 'CO003').orderBy('r.ts').execute();
    expect(stored.map((r) => r.value)).toEqual(['999900', '999950', '20', '50']);
    expect((await deadLetters('CO003')).map((d) => d.reason).sort()).toEqual(['register_backwards', 'register_overflow']);
  });

  it('turns unready when messages wait and nothing commits for the stall period, and ready again after the commit', async () => {
    let release!: () => void;
    const gate = { refuse: 0, hold: new Promise<void>((r) => (release = r)) };
    const s = svc(gated(t.db, gate), { stallSeconds: 0.3 });
    expect(s.stallReason()).toBeNull();
    const done = s.ingest(meterTopic(prefix, 'CO004'), regMsg('2025-04-01T00:00:00Z', '1'));
    await new Promise((r) => setTimeout(r, 100));
    expect(s.stalled()).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(s.stallReason()).toMatch(/1 message\(s\) waiting and nothing committed/);
    expect(s.stats().queue.stalled).toBe(true);
    release();
    await done;
    expect(s.stalled()).toBe(false);
  });
});
