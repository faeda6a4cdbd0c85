/** HTTP: GET /tariffs, GET /tariffs/:code, POST /tariffs/:code/quote through the whole app. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => t.close());

const htQuote = {
  kind: 'registers',
  period: { from: '2024-06-01', to: '2024-07-01' },
  connection: { contractDemand: 500 },
  energy: { kVAh: { normal: '60000', peak: '20000', offpeak: '20000' }, kWh: '96000' },
  maxDemand: { kVA: '520' },
};

describe('tariff routes', () => {
  it('lists the shipped tariffs with their versions (read scope)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/tariffs', headers: t.as('read') });
    expect(res.statusCode).toBe(200);
    const list = res.json() as { code: string; versions: { id: string }[] }[];
    expect(list.map((x) => x.code)).toEqual(['HT-IND', 'LT-DOM', 'LT-IND', 'LT-NDOM', 'URDB-EXAMPLE-COM-TOU']);
    expect(list[0]?.versions.map((v) => v.id)).toEqual(['FY2024-25', 'FY2025-26']);
  });

  it('returns one tariff with its components, 404 problem for an unknown code', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/tariffs/HT-IND', headers: t.as('read') });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().versions[0].billingDemand).toMatchObject({ measure: 'kVA', floorPercentOfContractDemand: 75 });
    const missing = await t.app.inject({ method: 'GET', url: '/tariffs/NOPE', headers: t.as('read') });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ status: 404, detail: 'no tariff NOPE' });
  });

  it('quotes an explained bill (golden HT-IND June 2024: 954047)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/tariffs/HT-IND/quote', headers: t.as('read'), payload: htQuote });
    expect(res.statusCode).toBe(200);
    const bill = res.json();
    expect(bill.total).toBe('954047');
    // order of application: energy (phase 2) before demand (phase 3)
    expect(bill.lines.map((l: { ruleId: string }) => l.ruleId)).toEqual(['energy', 'energy', 'energy', 'demand', 'excess', 'pf', 'fppca', 'regsur', 'duty', 'rounding']);
    expect(bill.lines[3]).toMatchObject({ seq: 4, ruleId: 'demand', kind: 'demand', amount: '156000.00', segment: 'S1', version: 'FY2024-25', formula: '520 kVA × 300/kVA/month × 1 month' });
    expect(bill.settlementRules.length).toBe(3);
  });

  it('refuses bad input with a problem, never a crash', async () => {
    const schema = await t.app.inject({ method: 'POST', url: '/tariffs/HT-IND/quote', headers: t.as('read'), payload: { ...htQuote, period: { from: '2024-07-01', to: '2024-06-01' } } });
    expect(schema.statusCode).toBe(400);
    const missing = await t.app.inject({ method: 'POST', url: '/tariffs/HT-IND/quote', headers: t.as('read'), payload: { ...htQuote, connection: {} } });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().detail).toMatch(/contractDemand/);
    const outside = await t.app.inject({ method: 'POST', url: '/tariffs/HT-IND/quote', headers: t.as('read'), payload: { ...htQuote, period: { from: '2020-01-01', to: '2020-02-01' } } });
    expect(outside.statusCode).toBe(422);
    expect(outside.json().detail).toMatch(/no version in force on 2020-01-01/);
  });
});
