/** Billing REST through app.inject: cycle groups, runs, bills; scopes and bad requests. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertAccount } from '../../src/accounts/accounts-repository.js';
import { insertInstallation, insertMeter } from '../../src/meters/meters-repository.js';
import { insertReadings } from '../../src/ingest/ingest-repository.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  const db = t.testDb.db;
  const accountId = await insertAccount(db, {
    accountNo: 'API1', name: 'Api Consumer', category: 'lt_domestic', tariffCode: 'LT-DOM', sanctionedLoadKw: '2', contractDemandKva: null,
    supplyVoltageV: 230, cycleGroup: 'G1', route: null, status: 'active', connectedOn: '2020-01-01', phone: null, email: null, address: null,
  });
  const meterId = await insertMeter(db, { serial: 'M-API1', phases: 1, meterClass: 'lt', multiplyingFactor: '1', integrationPeriodMin: 30 });
  await insertInstallation(db, { meterId, accountId, installedAt: '2020-01-01T10:00:00+05:30', initialReads: { '1.8.0': '0' }, reason: 'new connection' });
  await insertReadings(db, [
    { meterId, channel: '1.8.0', ts: Date.parse('2026-09-04T18:30:00Z'), value: '1200.5', occurredAt: null },
    { meterId, channel: '1.8.0', ts: Date.parse('2026-10-04T18:30:00Z'), value: '1452.25', occurredAt: null },
  ]);
}, 60_000);
afterAll(async () => t?.close());

const group = { readDay: 5, windowDays: 2, dueDays: { default: 15 }, billSeries: 'G1' };

describe('billing API', () => {
  it('creates a cycle group with admin scope only, and validates it', async () => {
    expect((await t.app.inject({ method: 'PUT', url: '/billing/cycle-groups/G1', headers: t.as('operate'), payload: group })).statusCode).toBe(403);
    const bad = await t.app.inject({ method: 'PUT', url: '/billing/cycle-groups/G1', headers: t.as('admin'), payload: { ...group, readDay: 31 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    const ok = await t.app.inject({ method: 'PUT', url: '/billing/cycle-groups/G1', headers: t.as('admin'), payload: group });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ group: 'G1', readDay: 5, windowDays: 2, billSeries: 'G1', version: 1 });
    const list = await t.app.inject({ method: 'GET', url: '/billing/cycle-groups', headers: t.as('read') });
    expect(list.json().items.map((g: { group: string }) => g.group)).toEqual(['G1']);
  });

  it('starts a run with operate scope, answers 202 at once, and the run completes in the background', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/billing/runs', headers: t.as('read'), payload: { cycleGroup: 'G1', period: '2026-10' } })).statusCode).toBe(403);
    const res = await t.app.inject({ method: 'POST', url: '/billing/runs', headers: t.as('operate'), payload: { cycleGroup: 'G1', period: '2026-10' } });
    expect(res.statusCode).toBe(202);
    const id = res.json().run.id as number;
    let p = res.json();
    for (let i = 0; i < 100 && p.run.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      p = (await t.app.inject({ method: 'GET', url: `/billing/runs/${id}`, headers: t.as('read') })).json();
    }
    expect(p).toMatchObject({ run: { status: 'completed', cycleGroup: 'G1', period: '2026-10' }, total: 1, done: 1, byStatus: { issued: 1 }, amount: '1775' });
    // the same cycle again: the same run, nothing new
    const again = await t.app.inject({ method: 'POST', url: '/billing/runs', headers: t.as('operate'), payload: { cycleGroup: 'G1', period: '2026-10' } });
    expect(again.json().run.id).toBe(id);
  });

  it('lists and gets bills with their explained lines', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/bills?accountNo=API1', headers: t.as('read') });
    expect(list.statusCode).toBe(200);
    const [bill] = list.json().items;
    // worked by hand in test/billing/billing-run.test.ts (A1: 251.75 kWh, 2 kW, LT-DOM) -> 1775
    expect(bill).toMatchObject({ accountNo: 'API1', total: '1775', status: 'issued', billNo: 'G1/2026-27/0000001', period: { from: '2026-09-05', to: '2026-10-05' } });
    const one = await t.app.inject({ method: 'GET', url: `/bills/${bill.id}`, headers: t.as('read') });
    expect(one.json().lines.map((l: { ruleId: string }) => l.ruleId)).toContain('duty');
    expect((await t.app.inject({ method: 'GET', url: '/bills/999999', headers: t.as('read') })).statusCode).toBe(404);
  });

  it('refuses bad requests with a problem naming the field', async () => {
    const cases = [
      { method: 'POST' as const, url: '/billing/runs', payload: { cycleGroup: 'G1', period: '2026-13' } },
      { method: 'POST' as const, url: '/billing/runs', payload: { cycleGroup: 'G 1', period: '2026-10' } },
      { method: 'POST' as const, url: '/billing/runs', payload: { cycleGroup: 'G1', period: '2026-10', extra: true } },
      { method: 'GET' as const, url: '/billing/runs/0x10' },
      { method: 'GET' as const, url: '/bills?limit=0' },
    ];
    for (const c of cases) {
      const r = await t.app.inject({ ...c, headers: t.as('operate') });
      expect(r.statusCode, `${c.method} ${c.url} ${JSON.stringify(c.payload ?? {})}`).toBe(400);
    }
    expect((await t.app.inject({ method: 'POST', url: '/billing/runs', headers: t.as('operate'), payload: { cycleGroup: 'NOPE', period: '2026-10' } })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/billing/runs/424242', headers: t.as('read') })).statusCode).toBe(404);
  });
});
