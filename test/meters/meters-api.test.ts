import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  const res = await t.app.inject({
    method: 'POST',
    url: '/consumers',
    headers: t.as('operate'),
    payload: { accountNo: 'H900001', name: 'Mill', category: 'ht_industrial', tariffCode: 'HT-IND', sanctionedLoadKw: '400', contractDemandKva: '500', supplyVoltageV: 11000, cycleGroup: 'HT', connectedOn: '2019-04-01' },
  });
  expect(res.statusCode).toBe(201);
});
afterAll(async () => t.close());

const op = () => t.as('operate');
const meter = (serial: string) => ({ serial, phases: 3, meterClass: 'ht', multiplyingFactor: '1000', integrationPeriodMin: 15 });

describe('meters API', () => {
  it('registers meters in store and refuses duplicates', async () => {
    const a = await t.app.inject({ method: 'POST', url: '/meters', headers: op(), payload: meter('HT50001') });
    expect(a.statusCode).toBe(201);
    expect(a.json()).toMatchObject({ serial: 'HT50001', status: 'in_store', multiplyingFactor: '1000.0000', currentAccountNo: null });
    expect((await t.app.inject({ method: 'POST', url: '/meters', headers: op(), payload: meter('HT50002') })).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'POST', url: '/meters', headers: op(), payload: meter('HT50001') })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'POST', url: '/meters', headers: op(), payload: { ...meter('X1'), phases: 2 } })).statusCode).toBe(400);
  });

  it('installs a meter, then replaces it keeping both in the history', async () => {
    const first = await t.app.inject({
      method: 'POST',
      url: '/consumers/H900001/meter',
      headers: op(),
      payload: { serial: 'HT50001', installedAt: '2019-04-01T10:00:00+05:30', initialReads: { '1.8.0': '0', '9.8.0': 0 } },
    });
    expect(first.statusCode).toBe(201);
    expect((await t.app.inject({ url: '/consumers/H900001', headers: t.as('read') })).json().currentMeterSerial).toBe('HT50001');

    const replaced = await t.app.inject({
      method: 'POST',
      url: '/consumers/H900001/meter',
      headers: op(),
      payload: {
        serial: 'HT50002',
        installedAt: '2026-06-15T12:00:00+05:30',
        initialReads: { '1.8.0': '5.5' },
        previousMeterFinalReads: { '1.8.0': '123456.78', '9.8.0': '130000.1' },
        reason: 'display faulty',
      },
    });
    expect(replaced.statusCode).toBe(201);
    const history = replaced.json();
    expect(history).toHaveLength(2);
    expect(history[0]).toMatchObject({ serial: 'HT50001', removedAt: '2026-06-15T06:30:00.000Z', finalReads: { '1.8.0': '123456.78', '9.8.0': '130000.1' }, reason: 'display faulty' });
    expect(history[1]).toMatchObject({ serial: 'HT50002', installedAt: '2026-06-15T06:30:00.000Z', removedAt: null, initialReads: { '1.8.0': '5.5' } });
    const old = (await t.app.inject({ url: '/meters/HT50001', headers: t.as('read') })).json();
    expect(old).toMatchObject({ status: 'removed', currentAccountNo: null });
    const current = (await t.app.inject({ url: '/meters/HT50002', headers: t.as('read') })).json();
    expect(current).toMatchObject({ status: 'installed', currentAccountNo: 'H900001' });
    const meterHistory = (await t.app.inject({ url: '/meters/HT50001/installations', headers: t.as('read') })).json();
    expect(meterHistory).toHaveLength(1);
  });

  it('refuses to install a meter that is not in store, or before the current one', async () => {
    const again = await t.app.inject({ method: 'POST', url: '/consumers/H900001/meter', headers: op(), payload: { serial: 'HT50002', installedAt: '2026-07-01T00:00:00Z' } });
    expect(again.statusCode).toBe(409);
    await t.app.inject({ method: 'POST', url: '/meters', headers: op(), payload: meter('HT50003') });
    const early = await t.app.inject({ method: 'POST', url: '/consumers/H900001/meter', headers: op(), payload: { serial: 'HT50003', installedAt: '2026-01-01T00:00:00Z' } });
    expect(early.statusCode).toBe(422);
    const unknown = await t.app.inject({ method: 'POST', url: '/consumers/H900001/meter', headers: op(), payload: { serial: 'NOPE1', installedAt: '2026-08-01T00:00:00Z' } });
    expect(unknown.statusCode).toBe(404);
    // Nothing half-done: the account still has HT50002 and HT50003 is still in store.
    expect((await t.app.inject({ url: '/meters/HT50003', headers: t.as('read') })).json().status).toBe('in_store');
    expect((await t.app.inject({ url: '/consumers/H900001/meters', headers: t.as('read') })).json()).toHaveLength(2);
  });

  it('removes a meter (marking it faulty) and refuses status changes on installed meters', async () => {
    const locked = await t.app.inject({ method: 'PATCH', url: '/meters/HT50002', headers: op(), payload: { status: 'faulty' } });
    expect(locked.statusCode).toBe(409);
    const mf = await t.app.inject({ method: 'PATCH', url: '/meters/HT50002', headers: op(), payload: { multiplyingFactor: '500' } });
    expect(mf.json().multiplyingFactor).toBe('500.0000');
    const removed = await t.app.inject({
      method: 'POST',
      url: '/consumers/H900001/meter/removal',
      headers: op(),
      payload: { removedAt: '2026-09-01T00:00:00Z', finalReads: { '1.8.0': '9000' }, reason: 'burnt', markFaulty: true },
    });
    expect(removed.statusCode).toBe(200);
    expect((await t.app.inject({ url: '/meters/HT50002', headers: t.as('read') })).json().status).toBe('faulty');
    const none = await t.app.inject({ method: 'POST', url: '/consumers/H900001/meter/removal', headers: op(), payload: { removedAt: '2026-10-01T00:00:00Z', reason: 'x' } });
    expect(none.statusCode).toBe(409);
  });

  it('filters and paginates meters', async () => {
    const res = (await t.app.inject({ url: '/meters?status=in_store&limit=1', headers: t.as('read') })).json();
    expect(res.items).toHaveLength(1);
    expect(res.items[0].serial).toBe('HT50003');
    expect(res.nextCursor).toBeNull();
  });
});
