/**
 * Issue 8 #21: raw and bucketed readings draw the day the same way. Interval readings are stamped
 * at the interval's end; one stamped exactly at local midnight closes the previous day. Instant
 * values sit at their own stamp. Expectations worked by hand for Asia/Kolkata (UTC+05:30): the
 * day 15 Jan 2025 runs from 2025-01-14T18:30Z to 2025-01-15T18:30Z.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertReadings } from '../../src/ingest/ingest-repository.js';
import { installMeter } from '../ingest/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ TIMEZONE: 'Asia/Kolkata' });
  const id = await installMeter(t.testDb.db, 'DAY001', '2024-01-01T00:00:00Z');
  const row = (channel: string, iso: string, value: string) => ({ meterId: id, channel, ts: Date.parse(iso), value, occurredAt: null });
  await insertReadings(t.testDb.db, [
    row('1.29.0', '2025-01-14T18:30:00Z', '1'), // 23:30–00:00 on the 14th: closes the 14th
    row('1.29.0', '2025-01-15T18:00:00Z', '2'), // 23:00–23:30 on the 15th
    row('1.29.0', '2025-01-15T18:30:00Z', '4'), // 23:30–00:00 on the 15th: closes the 15th
    row('1.29.0', '2025-01-15T19:00:00Z', '8'), // 00:00–00:30 on the 16th
    row('32.7.0', '2025-01-14T18:30:00Z', '230'), // an instant value at 00:00 on the 15th
    row('32.7.0', '2025-01-15T18:30:00Z', '231'), // an instant value at 00:00 on the 16th
  ]);
});
afterAll(async () => t?.close());

const day = 'from=2025-01-14T18:30:00Z&to=2025-01-15T18:30:00Z';
const get = (url: string) => t.app.inject({ url, headers: t.as('read') });

describe('one day convention for raw and bucketed readings', () => {
  it('raw: the 15th has the intervals ending 23:30 and 00:00, and the instant value at its start', async () => {
    const r = await get(`/meters/DAY001/readings?${day}`);
    expect(r.statusCode).toBe(200);
    expect(r.json().items.map((i: { channel: string; ts: string; value: string }) => [i.channel, i.ts, Number(i.value)])).toEqual([
      ['32.7.0', '2025-01-14T18:30:00.000Z', 230],
      ['1.29.0', '2025-01-15T18:00:00.000Z', 2],
      ['1.29.0', '2025-01-15T18:30:00.000Z', 4],
    ]);
  });

  it('bucketed by day: the 15th sums the same intervals (2 + 4)', async () => {
    const r = await get(`/meters/DAY001/readings?channel=1.29.0&bucket=1d&agg=sum&${day}`);
    expect(r.statusCode).toBe(200);
    expect(r.json().items.map((i: { start: string; value: string; count: number }) => [i.start, Number(i.value), i.count])).toEqual([['2025-01-14T18:30:00.000Z', 6, 2]]);
    const raw = (await get(`/meters/DAY001/readings?channel=1.29.0&${day}`)).json().items;
    expect(raw.reduce((n: number, i: { value: string }) => n + Number(i.value), 0)).toBe(6);
  });

  it('malformed cursors and out-of-range event codes are client errors, not 500', async () => {
    const bad = Buffer.from('2025-13-45T99:99:99Z|1.8.0').toString('base64url');
    expect((await get(`/meters/DAY001/readings?${day}&cursor=${bad}`)).statusCode).toBe(422);
    const badEv = Buffer.from('2025-01-01T00:00:00Z|1.2.3').toString('base64url');
    expect((await get(`/meters/DAY001/events?${day}&cursor=${badEv}`)).statusCode).toBe(422);
    const code = await get(`/meters/DAY001/events?${day}&code=2147483648`);
    expect(code.statusCode).toBe(400);
    expect(code.json().errors.map((e: { path: string }) => e.path)).toContain('querystring.code');
    expect((await get('/meters/DAY001/readings?from=0000-01-01T00:00:00Z')).statusCode).toBe(400);
  });
});
