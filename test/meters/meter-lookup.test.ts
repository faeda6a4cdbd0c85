import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { findMetersBySerial, requireMeter } from '../../src/meters/meter-lookup.js';
import { NotFoundError } from '../../src/lib/errors.js';

let t: TestDatabase;
let lt: number;
let ht: number;
beforeAll(async () => {
  t = await createTestDatabase();
  const ins = (serial: string, meter_class: string, extra: { multiplying_factor?: string; register_digits?: number } = {}) =>
    t.db.insertInto('meters').values({ serial, phases: 3, meter_class, manufacturer: null, ...extra }).returning('id').executeTakeFirstOrThrow();
  lt = Number((await ins('LK-LT1', 'lt', { register_digits: 6 })).id);
  ht = Number((await ins('LK-HT1', 'ht', { multiplying_factor: '200.5', register_digits: 8 })).id);
});
afterAll(async () => t?.close());

describe('serial → meter lookup', () => {
  it('finds many serials at once; unknown ones are absent', async () => {
    const found = await findMetersBySerial(t.db, ['LK-LT1', 'LK-HT1', 'LK-NONE']);
    expect([...found.entries()].sort()).toEqual([
      ['LK-HT1', { id: ht, serial: 'LK-HT1', registerDigits: 8, multiplyingFactor: '200.5000' }],
      ['LK-LT1', { id: lt, serial: 'LK-LT1', registerDigits: 6, multiplyingFactor: '1.0000' }],
    ]);
    expect((await findMetersBySerial(t.db, [])).size).toBe(0);
  });
  it('requireMeter throws NotFoundError for an unknown serial', async () => {
    expect((await requireMeter(t.db, 'LK-LT1')).id).toBe(lt);
    await expect(requireMeter(t.db, 'LK-NONE')).rejects.toBeInstanceOf(NotFoundError);
    await expect(requireMeter(t.db, 'LK-NONE')).rejects.toThrow('no meter LK-NONE');
  });
});
