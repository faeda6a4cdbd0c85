/**
 * Issue 8 #5 and #24: installations never overlap (service checks and the exclusion constraints
 * of migration 0003, also under racing requests), install dates respect the connection date and
 * status, and every installation change reaches the ingest meter cache.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { serverUrl } from '../helpers/test-db.js';
import { connectDatabase } from '../../src/db/connect.js';
import { composeInstance } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/lib/logger.js';
import { meterTopic } from '../../src/ingest/topics.js';
import { countRows, testBroker, uniquePrefix, waitFor } from '../ingest/fixtures.js';

let t: TestApp;
let broker: Awaited<ReturnType<typeof testBroker>>;
const prefix = uniquePrefix('inst');
beforeAll(async () => {
  broker = await testBroker();
  t = await createTestApp({ MQTT_URL: broker.url, MQTT_TOPIC_PREFIX: prefix, MQTT_SHARE_GROUP: `g${Date.now() % 100000}` });
  await t.container.start();
  for (const [no, connectedOn] of [['A1', '2019-04-01'], ['B1', '2019-01-01'], ['C1', '2019-01-01'], ['D1', '2019-01-01'], ['E1', '2019-01-01']]) {
    const res = await t.app.inject({ method: 'POST', url: '/consumers', headers: op(), payload: consumer(`ACC${no}`, connectedOn as string) });
    expect(res.statusCode).toBe(201);
  }
  for (const serial of ['IM1', 'IM2', 'IM3', 'IM4', 'IM5', 'OLD1', 'NEW1']) {
    expect((await t.app.inject({ method: 'POST', url: '/meters', headers: op(), payload: { serial, phases: 1, meterClass: 'lt' } })).statusCode).toBe(201);
  }
});
afterAll(async () => {
  await t?.close();
  await broker?.close();
});

function op() {
  return t.as('operate');
}
function consumer(accountNo: string, connectedOn: string) {
  return { accountNo, name: 'C', category: 'lt_domestic', tariffCode: 'LT-DOM', sanctionedLoadKw: '2', supplyVoltageV: 230, cycleGroup: 'C1', connectedOn };
}
const install = (accountNo: string, serial: string, installedAt: string) =>
  t.app.inject({ method: 'POST', url: `/consumers/${accountNo}/meter`, headers: op(), payload: { serial, installedAt } });
const removeMeter = (accountNo: string, removedAt: string) =>
  t.app.inject({ method: 'POST', url: `/consumers/${accountNo}/meter/removal`, headers: op(), payload: { removedAt, reason: 'test' } });

describe('installation dates and status (#5)', () => {
  it('refuses an install before the connection date in the utility zone (422), accepts local midnight onwards', async () => {
    // 2019-04-01 begins at 2019-03-31T18:30Z in Asia/Kolkata.
    const early = await install('ACCA1', 'IM1', '2019-03-31T18:29:59Z');
    expect(early.statusCode).toBe(422);
    expect(early.json().detail).toMatch(/before the consumer's connection date/);
    expect((await install('ACCA1', 'IM1', '2019-03-31T18:30:00Z')).statusCode).toBe(201);
  });

  it('refuses a meter on a second account over a past range (409); the removal instant is free', async () => {
    expect((await removeMeter('ACCA1', '2021-01-01T00:00:00Z')).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'PATCH', url: '/meters/IM1', headers: op(), payload: { status: 'in_store' } })).statusCode).toBe(200);
    const overlap = await install('ACCB1', 'IM1', '2020-06-01T00:00:00Z');
    expect(overlap.statusCode).toBe(409);
    expect(overlap.json().detail).toMatch(/meter IM1 was on consumer ACCA1 from 2019-03-31T18:30:00.000Z until 2021-01-01T00:00:00.000Z/);
    expect((await install('ACCB1', 'IM1', '2021-01-01T00:00:00Z')).statusCode).toBe(201);
  });

  it('refuses a second meter on an account over a past range (409)', async () => {
    const res = await install('ACCA1', 'IM2', '2020-01-01T00:00:00Z');
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(/consumer ACCA1 had meter IM1/);
    expect((await t.app.inject({ url: '/meters/IM2', headers: t.as('read') })).json().status).toBe('in_store');
  });

  it('refuses an install on a closed or disconnected consumer (409)', async () => {
    await t.app.inject({ method: 'PATCH', url: '/consumers/ACCA1', headers: op(), payload: { status: 'closed' } });
    const res = await install('ACCA1', 'IM2', '2022-01-01T00:00:00Z');
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(/ACCA1 is closed/);
  });

  it('the database itself refuses overlapping rows (exclusion constraints)', async () => {
    const { db } = t.testDb;
    const id = async (table: 'meters' | 'accounts', col: 'serial' | 'account_no', v: string) =>
      (await db.selectFrom(table).select('id').where(col as never, '=', v as never).executeTakeFirstOrThrow()).id;
    const im1 = await id('meters', 'serial', 'IM1');
    const im5 = await id('meters', 'serial', 'IM5');
    const e1 = await id('accounts', 'account_no', 'ACCE1');
    const b1 = await id('accounts', 'account_no', 'ACCB1');
    const row = (meter: number, account: number, from: string, to: string | null) =>
      sql`insert into meter_installations (meter_id, account_id, installed_at, removed_at) values (${meter}, ${account}, ${from}, ${to})`.execute(db);
    // IM1 was on ACCA1 2019-03-31 → 2021-01-01: a closed range inside it on another account.
    await expect(row(im1, e1, '2020-02-01T00:00:00Z', '2020-03-01T00:00:00Z')).rejects.toMatchObject({ code: '23P01' });
    // ACCB1 has IM1 from 2021-01-01 (open): another meter there in 2022.
    await expect(row(im5, b1, '2022-02-01T00:00:00Z', '2022-03-01T00:00:00Z')).rejects.toMatchObject({ code: '23P01' });
  });
});

describe('racing installs (#5)', () => {
  it('one meter on two accounts at once: exactly one wins', async () => {
    const [a, b] = await Promise.all([install('ACCC1', 'IM3', '2023-01-01T00:00:00Z'), install('ACCD1', 'IM3', '2023-01-01T00:00:00Z')]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    const history = (await t.app.inject({ url: '/meters/IM3/installations', headers: t.as('read') })).json();
    expect(history).toHaveLength(1);
  });

  it('two meters on one account at once: exactly one wins', async () => {
    const [a, b] = await Promise.all([install('ACCE1', 'IM4', '2023-01-01T00:00:00Z'), install('ACCE1', 'IM5', '2023-01-01T00:00:00Z')]);
    // The loser sees the winner's open installation: a replacement at the same instant is a 422.
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 422]);
    expect((await t.app.inject({ url: '/consumers/ACCE1/meters', headers: t.as('read') })).json()).toHaveLength(1);
  });
});

describe('installation changes reach the ingest meter cache (#24)', () => {
  const reading = (serial: string, at: string, kwh: string) => Buffer.from(JSON.stringify({ registers: [{ at, values: { '1.8.0': kwh } }] }));

  it('a reading from the replaced meter stamped after its removal is refused right after the replacement', async () => {
    const svc = t.container.ingest?.service();
    if (!svc) throw new Error('ingest not started');
    expect((await install('ACCD1', 'OLD1', '2024-01-01T00:00:00Z')).statusCode).toBe(201);
    await svc.ingest(meterTopic(prefix, 'OLD1'), reading('OLD1', '2025-01-01T00:00:00Z', '10')); // cached now
    expect(await countRows(t.testDb.db, 'readings')).toBe(1);
    const replaced = await t.app.inject({
      method: 'POST', url: '/consumers/ACCD1/meter', headers: op(),
      payload: { serial: 'NEW1', installedAt: '2025-02-01T00:00:00Z', previousMeterFinalReads: { '1.8.0': '20' } },
    });
    expect(replaced.statusCode).toBe(201);
    await svc.ingest(meterTopic(prefix, 'OLD1'), reading('OLD1', '2025-02-01T00:15:00Z', '21'));
    expect(await countRows(t.testDb.db, 'readings')).toBe(1);
    const dead = await t.testDb.db.selectFrom('dead_letters').select(['reason', 'meter_serial']).execute();
    expect(dead).toEqual([{ reason: 'not_installed', meter_serial: 'OLD1' }]);
  });

  it.skipIf(!serverUrl)('a change made by another instance reaches this one by LISTEN/NOTIFY', async () => {
    const svc = t.container.ingest?.service();
    if (!svc) throw new Error('ingest not started');
    const heard = vi.spyOn(svc, 'invalidateMeters');
    await svc.ingest(meterTopic(prefix, 'NEW1'), reading('NEW1', '2025-03-01T00:00:00Z', '5')); // cached, installed
    const before = await countRows(t.testDb.db, 'readings');
    // Another instance: its own container on the same schema, nothing shared in memory.
    const other = await connectDatabase({ databaseUrl: serverUrl, schema: t.testDb.schema as string });
    const c2 = await composeInstance(loadConfig({ LOG_LEVEL: 'silent', DEMO_SEED: 'false', DEMO_SIMULATOR: 'false' }), { database: other, log: createLogger('silent') });
    try {
      await c2.meters?.remove('ACCD1', { removedAt: '2025-04-01T00:00:00Z', finalReads: {}, reason: 'moved', markFaulty: false });
    } finally {
      await c2.close();
      await other.close();
    }
    await waitFor(() => heard.mock.calls.some(([s]) => s?.includes('NEW1') ?? false), 10_000);
    await svc.ingest(meterTopic(prefix, 'NEW1'), reading('NEW1', '2025-04-02T00:00:00Z', '9'));
    expect(await countRows(t.testDb.db, 'readings')).toBe(before);
  });
});
