/**
 * Issue 9 §4: `from`/`to` accept a date (local midnight in TIMEZONE) and an offset whose `+` was
 * not URL-encoded. Worked by hand for Asia/Kolkata (UTC+05:30): 15 Jan 2025 local runs from
 * 2025-01-14T18:30Z to 2025-01-15T18:30Z; docs/mqtt.md's first example stamps its readings
 * 2025-01-15T00:30+05:30 … 01:30+05:30, i.e. on 14 Jan in UTC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertReadings } from '../../src/ingest/ingest-repository.js';
import { installMeter } from './fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ TIMEZONE: 'Asia/Kolkata' });
  const id = await installMeter(t.testDb.db, 'DATE001', '2024-01-01T00:00:00Z');
  const row = (channel: string, iso: string, value: string) => ({ meterId: id, channel, ts: Date.parse(iso), value, occurredAt: null });
  // docs/mqtt.md's first mosquitto_pub example, as stored
  await insertReadings(t.testDb.db, [
    row('1.29.0', '2025-01-14T19:00:00Z', '0.41'),
    row('1.29.0', '2025-01-14T19:30:00Z', '0.38'),
    row('1.29.0', '2025-01-14T20:00:00Z', '0.40'),
    row('1.8.0', '2025-01-14T20:00:00Z', '12345.6'),
    row('1.29.0', '2025-01-15T18:30:00Z', '0.50'), // 23:30–00:00 local on the 15th: closes the 15th
    row('1.29.0', '2025-01-15T19:00:00Z', '0.60'), // 00:00–00:30 local on the 16th
  ]);
}, 60_000);
afterAll(async () => t?.close());

const get = (url: string) => t.app.inject({ url, headers: t.as('read') });
const stamps = async (query: string) => {
  const r = await get(`/meters/DATE001/readings?${query}`);
  expect(r.statusCode, r.body).toBe(200);
  return r.json().items.map((i: { channel: string; ts: string }) => `${i.channel}@${i.ts}`);
};
const DAY_15 = [
  '1.29.0@2025-01-14T19:00:00.000Z',
  '1.29.0@2025-01-14T19:30:00.000Z',
  '1.29.0@2025-01-14T20:00:00.000Z',
  '1.8.0@2025-01-14T20:00:00.000Z',
  '1.29.0@2025-01-15T18:30:00.000Z',
];

describe('date query parameters', () => {
  it('a date means local midnight in TIMEZONE: the follow-up query of docs/mqtt.md finds its rows', async () => {
    expect(await stamps('from=2025-01-15&to=2025-01-16')).toEqual(DAY_15);
  });

  it('the same day written with %2B05:30, and with a + the query string decoded as a space', async () => {
    expect(await stamps('from=2025-01-15T00:00:00%2B05:30&to=2025-01-16T00:00:00%2B05:30')).toEqual(DAY_15);
    expect(await stamps('from=2025-01-15T00:00:00+05:30&to=2025-01-16T00:00:00+05:30')).toEqual(DAY_15);
  });

  it('the UTC day is a different day: the old doc query missed every row of its own example', async () => {
    expect(await stamps('from=2025-01-15T00:00:00Z&to=2025-01-16T00:00:00Z')).toEqual(['1.29.0@2025-01-15T18:30:00.000Z', '1.29.0@2025-01-15T19:00:00.000Z']);
  });

  it('works for events and the bucketed form too', async () => {
    expect((await get('/meters/DATE001/events?from=2025-01-15&to=2025-01-16')).statusCode).toBe(200);
    const b = await get('/meters/DATE001/readings?channel=1.29.0&bucket=1d&from=2025-01-15&to=2025-01-16');
    expect(b.json().items).toEqual([{ start: '2025-01-14T18:30:00.000Z', value: '1.69', count: 4 }]);
    expect((await get('/ingest/dead-letters?from=2025-01-15&to=2025-01-16')).statusCode).toBe(200);
  });

  it('refuses what is not a date or an instant with offset, with a 400 naming the parameter (never a 500)', async () => {
    for (const bad of ['2025-13-01', '2025-13-01T00:00:00Z', '2025-01-15T00:00:00', '15/01/2025', '2025-01-15 05:30', '0000-01-01']) {
      const r = await get(`/meters/DATE001/readings?from=${encodeURIComponent(bad)}`);
      expect(r.statusCode, bad).toBe(400);
      expect(r.json().errors.map((e: { path: string }) => e.path), bad).toContain('querystring.from');
    }
  });
});
