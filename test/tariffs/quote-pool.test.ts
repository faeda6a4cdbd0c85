/**
 * Quotes run in a worker pool (issue 8 #1): a huge exponent gets a 400 naming the field at once;
 * a large valid quote does not hold up /healthz; the queue is bounded (503) and so is the time
 * a quote may take (504).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** A leap year of 15-minute intervals (366 x 96 = 35136, the bound) on HT-IND: a slow, valid quote. */
function yearOfQuarterHours(): string {
  const n = 366 * 96;
  const kWh = Array.from({ length: n }, (_, i) => (100 + (i % 97) / 8).toFixed(3));
  const kVAh = kWh.map((v) => (Number(v) * 1.25).toFixed(4));
  return JSON.stringify({
    kind: 'intervals', period: { from: '2024-04-01', to: '2025-04-01' }, months: 12, connection: { contractDemand: 500 },
    intervalMinutes: 15, series: { firstEnd: '2024-03-31T18:45:00Z', kWh, kVAh },
  });
}
const BIG = yearOfQuarterHours();

function quote(t: TestApp, body: string) {
  return t.app.inject({ method: 'POST', url: '/tariffs/HT-IND/quote', headers: { ...t.as('read'), 'content-type': 'application/json' }, payload: body });
}

/** Longest /healthz answer while `work` runs (probed every 5 ms). */
async function healthzWhile<T>(t: TestApp, work: Promise<T>): Promise<{ result: T; maxMs: number; probes: number }> {
  let done = false;
  let maxMs = 0;
  let probes = 0;
  const probing = (async () => {
    for (let i = 0; i < 10_000 && !done; i++) {
      const t0 = performance.now();
      const res = await t.app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(200);
      maxMs = Math.max(maxMs, performance.now() - t0);
      probes++;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const result = await work.finally(() => { done = true; });
  await probing;
  return { result, maxMs, probes };
}

describe('quotes in a worker pool (QUOTE_WORKERS=1, QUOTE_QUEUE_MAX=1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ QUOTE_WORKERS: '1', QUOTE_QUEUE_MAX: '1', QUOTE_TIMEOUT_MS: '120000' });
    await t.container.quotes?.warm();
  }, 120_000);
  afterAll(async () => t?.close());

  it('a huge exponent gets a 400 naming the field, quickly', async () => {
    const body = JSON.stringify({ kind: 'registers', period: { from: '2024-06-01', to: '2024-07-01' }, connection: { contractDemand: 500 }, energy: { kWh: '1e1000000000' } });
    const t0 = performance.now();
    const res = await quote(t, body);
    expect(performance.now() - t0).toBeLessThan(2000); // was: ~130 s, then out of memory
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      type: 'urn:meterbill:problem:invalid_request',
      errors: [{ path: 'body.energy.kWh', message: 'exponent out of range: a non-negative decimal with at most 12 integer digits and 24 decimal places' }],
    });
    const months = await quote(t, JSON.stringify({ ...JSON.parse(body), energy: { kWh: '100' }, months: '1e9' }));
    expect(months.statusCode).toBe(400);
    expect(months.json().errors[0].path).toBe('body.months');
  });

  it('large quotes do not hold up /healthz, and the queue is bounded (503)', async () => {
    // one runs, one waits, the third finds the queue full
    const t0 = performance.now();
    const { result, maxMs, probes } = await healthzWhile(t, Promise.all([quote(t, BIG), quote(t, BIG), quote(t, BIG)]));
    const quotesMs = performance.now() - t0;
    const statuses = result.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 200, 503]);
    expect(result.find((r) => r.statusCode === 503)?.json()).toMatchObject({ status: 503, detail: 'quote queue is full (1 waiting); retry later' });
    // every one of these quotes bills 366 days on the same data: the same total
    const totals = result.filter((r) => r.statusCode === 200).map((r) => r.json().total);
    expect(totals[0]).toBe(totals[1]);
    console.info(`two year-long quotes: ${quotesMs.toFixed(0)} ms; /healthz: ${probes} probes, longest ${maxMs.toFixed(0)} ms`);
    expect(probes).toBeGreaterThan(5);
    expect(maxMs).toBeLessThan(Math.max(250, quotesMs / 4));
  }, 120_000);
});

describe('a quote that takes too long (QUOTE_TIMEOUT_MS=50)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ QUOTE_WORKERS: '1', QUOTE_TIMEOUT_MS: '50' });
    await t.container.quotes?.warm();
  }, 120_000);
  afterAll(async () => t?.close());

  it('gets a 504 problem, its worker is stopped and the service answers', async () => {
    const res = await quote(t, BIG);
    expect(res.statusCode).toBe(504);
    expect(res.json()).toMatchObject({ type: 'urn:meterbill:problem:timeout', status: 504, detail: 'quote took longer than 50 ms' });
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  }, 60_000);
});
