import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertReadings } from '../../src/ingest/ingest-repository.js';
import { installMeter } from './fixtures.js';

describe('readings, events, dead letters, stats routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ TIMEZONE: 'Asia/Kolkata' });
    const db = t.testDb.db;
    const id = await installMeter(db, 'RT001', '2024-01-01T00:00:00Z');
    // 15-min interval energy from 00:00 to 02:00 IST on 15 Jan (interval ends 00:15 … 02:00 IST).
    const start = Date.parse('2025-01-14T18:30:00Z');
    await insertReadings(db, Array.from({ length: 8 }, (_, i) => ({ meterId: id, channel: '1.29.0', ts: start + (i + 1) * 900_000, value: '0.25', occurredAt: null })));
    await insertReadings(db, [{ meterId: id, channel: '32.7.0', ts: start + 600_000, value: '231.5', occurredAt: null }]);
    await db.insertInto('events').values({ meter_id: id, code: 101, ts: new Date(start + 60_000), details: null }).execute();
    await db.insertInto('dead_letters').values([
      { topic: 'x', payload: Buffer.from('not json'), reason: 'not_json', details: '{}', meter_serial: 'RT001' },
      { topic: 'x', payload: Buffer.from([0xff, 0x00]), reason: 'not_json', details: '{}', meter_serial: null },
    ]).execute();
  });
  afterAll(async () => t?.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: t.as('read') });

  it('returns raw readings with a cursor', async () => {
    const r = await get('/meters/RT001/readings?from=2025-01-14T00:00:00Z&to=2025-01-16T00:00:00Z&limit=5');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.items).toHaveLength(5);
    expect(body.items[0]).toEqual({ channel: '32.7.0', ts: '2025-01-14T18:40:00.000Z', value: '231.5', occurredAt: null });
    const next = await get(`/meters/RT001/readings?from=2025-01-14T00:00:00Z&to=2025-01-16T00:00:00Z&limit=5&cursor=${body.nextCursor}`);
    expect(next.json().items).toHaveLength(4);
    expect(next.json().nextCursor).toBeNull();
  });

  it('buckets interval energy by the interval it belongs to, on local time', async () => {
    const r = await get('/meters/RT001/readings?channel=1.29.0&bucket=1h&agg=sum&from=2025-01-14T00:00:00Z&to=2025-01-16T00:00:00Z');
    expect(r.statusCode).toBe(200);
    expect(r.json().items.map((i: { start: string; value: string }) => [i.start, Number(i.value)])).toEqual([
      ['2025-01-14T18:30:00.000Z', 1],
      ['2025-01-14T19:30:00.000Z', 1],
    ]);
    const day = await get('/meters/RT001/readings?channel=1.29.0&bucket=1d&agg=max&from=2025-01-14T00:00:00Z&to=2025-01-16T00:00:00Z');
    expect(day.json().items).toEqual([{ start: '2025-01-14T18:30:00.000Z', value: '0.25', count: 8 }]);
  });

  it('requires channel with bucket, 404s an unknown meter', async () => {
    expect((await get('/meters/RT001/readings?bucket=1h')).statusCode).toBe(400);
    expect((await get('/meters/NOPE1/readings')).statusCode).toBe(404);
  });

  it('lists events', async () => {
    const r = await get('/meters/RT001/events?from=2025-01-14T00:00:00Z&to=2025-01-16T00:00:00Z&code=101');
    expect(r.json().items).toEqual([
      { code: 101, description: 'Power failure (occurrence)', event: 'Power failure', kind: 'occurrence', category: 'power', ts: '2025-01-14T18:31:00.000Z', details: null },
    ]);
  });

  it('labels every event from the IS 15959 catalogue, and a code outside it with nulls', async () => {
    const db = t.testDb.db;
    const id = (await db.selectFrom('meters').select('id').where('serial', '=', 'RT001').executeTakeFirstOrThrow()).id;
    await db
      .insertInto('events')
      .values([
        { meter_id: id, code: 58, ts: new Date('2025-02-01T00:00:00Z'), details: null },
        { meter_id: id, code: 251, ts: new Date('2025-02-01T00:01:00Z'), details: null },
        { meter_id: id, code: 9999, ts: new Date('2025-02-01T00:02:00Z'), details: null }, // stored before a catalogue change
      ])
      .execute();
    const r = await get('/meters/RT001/events?from=2025-02-01&to=2025-02-02');
    expect(r.json().items.map((e: Record<string, unknown>) => [e.code, e.description, e.kind, e.category])).toEqual([
      [58, 'CT open, R phase (restoration)', 'restoration', 'current'],
      [251, 'Meter cover opened', 'occurrence', 'non_rollover'],
      [9999, null, null, null],
    ]);
  });

  it('lists dead letters, payload as text or base64', async () => {
    const r = await get('/ingest/dead-letters?reason=not_json');
    const items = r.json().items as Array<{ payload: string; payloadEncoding: string }>;
    expect(items.map((i) => [i.payloadEncoding, i.payload])).toEqual([
      ['base64', Buffer.from([0xff, 0x00]).toString('base64')],
      ['utf8', 'not json'],
    ]);
  });

  it('reports stats', async () => {
    const r = await get('/ingest/stats');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ running: false, ingest: null });
    // 9 readings and 2 dead letters inserted in beforeAll, 1 + 3 events (the catalogue test adds 3):
    // exact below 100,000 rows, not the planner's 0 before the first ANALYZE
    expect(r.json().tables).toEqual({ readings: 9, events: 4, dead_letters: 2 });
  });

  it('needs an API key', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/ingest/stats' })).statusCode).toBe(401);
  });
});
