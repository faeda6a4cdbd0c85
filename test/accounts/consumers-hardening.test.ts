/**
 * Issue 8 #12–#14: tariff catalogue checks, column-exact schemas (400 naming the field, nothing
 * rounded), and no write skew between concurrent PATCHes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { serverUrl } from '../helpers/test-db.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

let n = 0;
const consumer = (over: Record<string, unknown> = {}) => ({
  accountNo: `K${100000 + ++n}`,
  name: 'Consumer',
  category: 'lt_domestic',
  tariffCode: 'LT-DOM',
  sanctionedLoadKw: '2',
  supplyVoltageV: 230,
  cycleGroup: 'C1',
  connectedOn: '2020-01-15',
  ...over,
});
const post = (body: object) => t.app.inject({ method: 'POST', url: '/consumers', headers: t.as('operate'), payload: body });
const patch = (no: string, body: object) => t.app.inject({ method: 'PATCH', url: `/consumers/${no}`, headers: t.as('operate'), payload: body });

describe('tariff catalogue (#13)', () => {
  it.each([
    ['an unknown code', { tariffCode: 'NO-SUCH' }, /NO-SUCH is not in the tariff catalogue/],
    ['an LT industrial tariff on a domestic connection', { tariffCode: 'LT-IND' }, /LT-IND is a lt_industrial tariff, not lt_domestic/],
    ['a tariff of category other', { tariffCode: 'URDB-EXAMPLE-COM-TOU' }, /is a other tariff/],
    ['an HT tariff on an LT connection', { tariffCode: 'HT-IND' }, /HT-IND is a ht_industrial tariff/],
  ])('refuses %s with 422', async (_name, over, detail) => {
    const res = await post(consumer(over));
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toMatch(detail);
  });

  it('refuses a category change that leaves the tariff behind, and accepts both together', async () => {
    const c = consumer({ supplyVoltageV: 415 });
    expect((await post(c)).statusCode).toBe(201);
    const alone = await patch(c.accountNo, { category: 'lt_industrial' });
    expect(alone.statusCode).toBe(422);
    expect(alone.json().detail).toMatch(/LT-DOM is a lt_domestic tariff, not lt_industrial/);
    const both = await patch(c.accountNo, { category: 'lt_industrial', tariffCode: 'LT-IND' });
    expect(both.statusCode).toBe(200);
    expect(both.json()).toMatchObject({ category: 'lt_industrial', tariffCode: 'LT-IND', version: 2 });
  });
});

describe('schemas match their columns (#14)', () => {
  const nul = 'Ram\u0000esh';
  it.each<[string, Record<string, unknown>, string]>([
    ['10 integer digits of load (numeric(12,3) holds 9)', { sanctionedLoadKw: '1234567890' }, 'body.sanctionedLoadKw'],
    ['12 integer digits of load', { sanctionedLoadKw: '123456789012' }, 'body.sanctionedLoadKw'],
    ['4 decimals of load (would round)', { sanctionedLoadKw: '1.1234' }, 'body.sanctionedLoadKw'],
    ['6 decimals of load (would round)', { sanctionedLoadKw: '1.123456' }, 'body.sanctionedLoadKw'],
    ['a zero load', { sanctionedLoadKw: '0.000' }, 'body.sanctionedLoadKw'],
    ['10 integer digits of contract demand', { contractDemandKva: '1234567890' }, 'body.contractDemandKva'],
    ['NUL in the name', { name: nul }, 'body.name'],
    ['NUL in the address', { address: nul }, 'body.address'],
    ['NUL in the route', { route: nul }, 'body.route'],
    ['year 0000', { connectedOn: '0000-01-01' }, 'body.connectedOn'],
  ])('POST /consumers refuses %s with a 400 naming the field', async (_name, over, path) => {
    const res = await post(consumer(over));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('stores the largest load the column holds exactly', async () => {
    const c = consumer({ sanctionedLoadKw: '999999999.999' });
    const res = await post(c);
    expect(res.statusCode).toBe(201);
    expect(res.json().sanctionedLoadKw).toBe('999999999.999');
  });

  it('refuses an expectedVersion beyond int4 with 400', async () => {
    const c = consumer();
    await post(c);
    const res = await patch(c.accountNo, { name: 'X', expectedVersion: 2_147_483_648 });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain('body.expectedVersion');
  });

  it.each([
    ['tariffCode', '/consumers?tariffCode=A%00B'],
    ['cycleGroup', '/consumers?cycleGroup=A%00B'],
  ])('refuses NUL in the %s filter with 400', async (field, url) => {
    const res = await t.app.inject({ url, headers: t.as('read') });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(`querystring.${field}`);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['9 integer digits of multiplying factor (numeric(12,4) holds 8)', { multiplyingFactor: '123456789' }, 'body.multiplyingFactor'],
    ['5 decimals of multiplying factor', { multiplyingFactor: '1.12345' }, 'body.multiplyingFactor'],
    ['NUL in the manufacturer', { manufacturer: 'L&\u0000T' }, 'body.manufacturer'],
  ])('POST /meters refuses %s with a 400 naming the field', async (_name, over, path) => {
    const res = await t.app.inject({ method: 'POST', url: '/meters', headers: t.as('operate'), payload: { serial: `M${++n}`, phases: 1, meterClass: 'lt', ...over } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('stores the largest multiplying factor the column holds exactly', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/meters', headers: t.as('operate'), payload: { serial: 'MFMAX1', phases: 3, meterClass: 'ht', multiplyingFactor: '99999999.9999' } });
    expect(res.statusCode).toBe(201);
    expect(res.json().multiplyingFactor).toBe('99999999.9999');
  });

  it('refuses installation times in year 0000 and NUL reasons with 400', async () => {
    const c = consumer();
    await post(c);
    const url = `/consumers/${c.accountNo}/meter`;
    const y0 = await t.app.inject({ method: 'POST', url, headers: t.as('operate'), payload: { serial: 'MFMAX1', installedAt: '0000-01-01T00:00:00Z' } });
    expect(y0.statusCode).toBe(400);
    expect(y0.json().errors.map((e: { path: string }) => e.path)).toContain('body.installedAt');
    const r = await t.app.inject({ method: 'POST', url, headers: t.as('operate'), payload: { serial: 'MFMAX1', installedAt: '2021-01-01T00:00:00Z', reason: 'a\u0000b' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors.map((e: { path: string }) => e.path)).toContain('body.reason');
  });
});

describe.skipIf(!serverUrl)('concurrent PATCHes (#12, server backend)', () => {
  it('never combine two individually valid changes into an invalid account', async () => {
    const TRIALS = 15;
    for (let i = 0; i < TRIALS; i++) {
      const c = consumer({ category: 'lt_industrial', tariffCode: 'LT-IND', supplyVoltageV: 415, sanctionedLoadKw: '50' });
      expect((await post(c)).statusCode).toBe(201);
      // Each valid against the account as it was; together: HT at 440 V, which the rules forbid.
      const [toHt, lowerVoltage] = await Promise.all([
        patch(c.accountNo, { category: 'ht_industrial', tariffCode: 'HT-IND', supplyVoltageV: 11000, contractDemandKva: '500' }),
        patch(c.accountNo, { supplyVoltageV: 440 }),
      ]);
      expect([toHt.statusCode, lowerVoltage.statusCode].every((s) => s === 200 || s === 422)).toBe(true);
      const final = (await t.app.inject({ url: `/consumers/${c.accountNo}`, headers: t.as('read') })).json();
      const valid = final.category === 'ht_industrial' ? final.supplyVoltageV >= 3300 : final.supplyVoltageV <= 1000;
      expect(valid, `trial ${i}: ${final.category} at ${final.supplyVoltageV} V`).toBe(true);
    }
  });
});
