import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const lt = (n: number, over: Record<string, unknown> = {}) => ({
  accountNo: `D${100000 + n}`,
  name: `Consumer ${n}`,
  category: 'lt_domestic',
  tariffCode: 'LT-DOM',
  sanctionedLoadKw: '2',
  supplyVoltageV: 230,
  cycleGroup: n % 2 ? 'C1' : 'C2',
  connectedOn: '2020-01-15',
  ...over,
});

async function post(body: unknown) {
  return t.app.inject({ method: 'POST', url: '/consumers', headers: t.as('operate'), payload: body as object });
}

describe('consumers API', () => {
  it('creates and reads back a consumer, keeping decimals exact', async () => {
    const res = await post(lt(1, { sanctionedLoadKw: 3.5, phone: '+91 9876543210' }));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ accountNo: 'D100001', sanctionedLoadKw: '3.500', contractDemandKva: null, status: 'active', version: 1, currentMeterSerial: null });
    const got = await t.app.inject({ url: '/consumers/D100001', headers: t.as('read') });
    expect(got.json().connectedOn).toBe('2020-01-15');
  });

  it('refuses a duplicate account number with 409 and changes nothing', async () => {
    const res = await post(lt(1, { name: 'Someone Else' }));
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const got = await t.app.inject({ url: '/consumers/D100001', headers: t.as('read') });
    expect(got.json().name).toBe('Consumer 1');
  });

  it('lists every schema problem with its path (400)', async () => {
    const res = await post({ accountNo: '!', category: 'lt_martian', sanctionedLoadKw: '-2', supplyVoltageV: 'high', extra: true });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.type).toBe('urn:meterbill:problem:invalid_request');
    const paths = body.errors.map((e: { path: string }) => e.path);
    for (const p of ['body.accountNo', 'body.category', 'body.sanctionedLoadKw', 'body.supplyVoltageV', 'body.name']) expect(paths).toContain(p);
  });

  it('enforces HT rules (contract demand, voltage) with 422', async () => {
    const res = await post(lt(50, { accountNo: 'H900050', category: 'ht_industrial', tariffCode: 'HT-IND', supplyVoltageV: 415 }));
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toMatch(/contractDemandKva is required/);
    expect(res.json().detail).toMatch(/at least 3300 V/);
    const ok = await post(lt(51, { accountNo: 'H900051', category: 'ht_industrial', tariffCode: 'HT-IND', supplyVoltageV: 11000, contractDemandKva: '500', cycleGroup: 'HT' }));
    expect(ok.statusCode).toBe(201);
  });

  it('updates partially with optimistic concurrency', async () => {
    const a = await t.app.inject({ method: 'PATCH', url: '/consumers/D100001', headers: t.as('operate'), payload: { status: 'disconnected', expectedVersion: 1 } });
    expect(a.statusCode).toBe(200);
    expect(a.json()).toMatchObject({ status: 'disconnected', version: 2, name: 'Consumer 1' });
    const stale = await t.app.inject({ method: 'PATCH', url: '/consumers/D100001', headers: t.as('operate'), payload: { name: 'X', expectedVersion: 1 } });
    expect(stale.statusCode).toBe(409);
    const missing = await t.app.inject({ method: 'PATCH', url: '/consumers/D999999', headers: t.as('operate'), payload: { name: 'X' } });
    expect(missing.statusCode).toBe(404);
    const badRule = await t.app.inject({ method: 'PATCH', url: '/consumers/D100001', headers: t.as('operate'), payload: { supplyVoltageV: 11000 } });
    expect(badRule.statusCode).toBe(422);
  });

  it('paginates with a cursor and filters, visiting every row once', async () => {
    for (let n = 2; n <= 25; n++) expect((await post(lt(n))).statusCode).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/consumers?limit=7&category=lt_domestic${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.app.inject({ url, headers: t.as('read') });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: Array<{ accountNo: string }>; nextCursor: string | null };
      seen.push(...body.items.map((i) => i.accountNo));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    const c1 = (await t.app.inject({ url: '/consumers?cycleGroup=C1&limit=500', headers: t.as('read') })).json();
    expect(c1.items.every((i: { cycleGroup: string }) => i.cycleGroup === 'C1')).toBe(true);
    expect(c1.items).toHaveLength(13);
    const ht = (await t.app.inject({ url: '/consumers?category=ht_industrial', headers: t.as('read') })).json();
    expect(ht.items.map((i: { accountNo: string }) => i.accountNo)).toEqual(['H900051']);
  });

  it('rejects a forged cursor and out-of-range limits', async () => {
    expect((await t.app.inject({ url: '/consumers?cursor=bm9wZQ', headers: t.as('read') })).statusCode).toBe(422);
    expect((await t.app.inject({ url: '/consumers?limit=0', headers: t.as('read') })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/consumers?limit=501', headers: t.as('read') })).statusCode).toBe(400);
  });

  it('answers malformed JSON and oversized bodies with problem+json', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/consumers', headers: { ...t.as('operate'), 'content-type': 'application/json' }, payload: '{"accountNo":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const huge = await t.app.inject({ method: 'POST', url: '/consumers', headers: { ...t.as('operate'), 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(2_000_000) }) });
    expect(huge.statusCode).toBe(413);
    expect(huge.headers['content-type']).toContain('application/problem+json');
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await t.app.inject({ url: '/nowhere', headers: t.as('read') });
    expect(res.statusCode).toBe(404);
    expect(res.json().type).toBe('urn:meterbill:problem:not_found');
  });
});
