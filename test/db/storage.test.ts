import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

// Runs on whichever backend the suite is configured for (embedded by default, the server with
// TEST_DATABASE_URL), so both backends see the same assertions across the two CI passes.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.close());

describe(`storage round trip (${process.env.TEST_DATABASE_URL ? 'server' : 'embedded'})`, () => {
  it('keeps numeric values exact and ids as numbers', async () => {
    const row = await t.db
      .insertInto('meters')
      .values({ serial: 'RT001', phases: 3, meter_class: 'ht', multiplying_factor: '1234.5678' })
      .returning(['id', 'multiplying_factor'])
      .executeTakeFirstOrThrow();
    expect(typeof row.id).toBe('number');
    expect(row.multiplying_factor).toBe('1234.5678');
    await t.db
      .insertInto('readings')
      .values({ meter_id: row.id, channel: '1.8.0', ts: '2026-04-01T00:00:00Z', value: '98765432109.123456' })
      .execute();
    const r = await t.db.selectFrom('readings').select('value').where('meter_id', '=', row.id).executeTakeFirstOrThrow();
    expect(r.value).toBe('98765432109.123456');
  });

  it('makes a redelivered reading a no-op through the primary key', async () => {
    const values = { meter_id: 99, channel: '1.29.0', ts: '2026-04-01T00:30:00Z', value: '0.5' };
    await t.db.insertInto('readings').values(values).onConflict((oc) => oc.doNothing()).execute();
    await t.db.insertInto('readings').values(values).onConflict((oc) => oc.doNothing()).execute();
    const rows = await t.db.selectFrom('readings').selectAll().where('meter_id', '=', 99).execute();
    expect(rows).toHaveLength(1);
  });

  it('rolls back a failed transaction whole', async () => {
    await expect(
      t.db.transaction().execute(async (trx) => {
        await trx.insertInto('meters').values({ serial: 'RT002', phases: 1, meter_class: 'lt' }).execute();
        await trx.insertInto('meters').values({ serial: 'RT003', phases: 2, meter_class: 'lt' }).execute();
      }),
    ).rejects.toThrow();
    const found = await t.db.selectFrom('meters').select('serial').where('serial', 'in', ['RT002', 'RT003']).execute();
    expect(found).toEqual([]);
  });
});
