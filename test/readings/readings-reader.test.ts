/**
 * The shared reading queries (registersAt, intervalSeries, dailyAggregates), on the embedded
 * database and, with TEST_DATABASE_URL, on the PostgreSQL server. Expectations worked by hand:
 * Asia/Kolkata is UTC+05:30, so local day 1 Feb 2025 runs 2025-01-31T18:30Z–2025-02-01T18:30Z;
 * Europe/London's 30 March 2025 runs 00:00Z–23:00Z (23 hours: BST starts at 01:00Z).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { insertReadings } from '../../src/ingest/ingest-repository.js';
import { createReadingsReader, READER_LIMITS, type ReadingsReader } from '../../src/readings/readings-reader.js';
import { ValidationError } from '../../src/lib/errors.js';
import { installMeter } from '../ingest/fixtures.js';

let t: TestDatabase;
let india: ReadingsReader;
let london: ReadingsReader;
let A: number;
let B: number;
let C: number;
let D: number;
const d = (iso: string) => new Date(iso);

beforeAll(async () => {
  t = await createTestDatabase();
  india = createReadingsReader({ db: t.db, timezone: 'Asia/Kolkata' });
  london = createReadingsReader({ db: t.db, timezone: 'Europe/London' });
  A = await installMeter(t.db, 'RDR-A', '2024-01-01T00:00:00Z');
  B = await installMeter(t.db, 'RDR-B', '2024-01-01T00:00:00Z');
  C = await installMeter(t.db, 'RDR-C', '2024-01-01T00:00:00Z');
  D = await installMeter(t.db, 'RDR-D', '2024-01-01T00:00:00Z');
  const row = (meterId: number, channel: string, iso: string, value: string, occurredAt: number | null = null) => ({ meterId, channel, ts: Date.parse(iso), value, occurredAt });
  await insertReadings(t.db, [
    row(A, '1.8.0', '2025-01-31T18:00:00Z', '100.5'),
    row(A, '1.8.0', '2025-01-31T18:30:00Z', '101.25'),
    row(A, '1.8.0', '2025-01-31T19:00:00Z', '102'),
    row(A, '1.6.0', '2025-01-31T18:30:00Z', '4.75', Date.parse('2025-01-20T13:15:00Z')),
    row(A, '1.29.0', '2025-01-31T18:00:00Z', '0.5'),
    row(A, '1.29.0', '2025-01-31T18:15:00Z', '0.25'),
    row(A, '1.29.0', '2025-01-31T18:30:00Z', '0.125'),
    row(A, '1.29.0', '2025-01-31T18:45:00Z', '1'),
    row(A, '2.29.0', '2025-01-31T18:15:00Z', '9'),
    row(B, '1.8.0', '2025-01-31T18:31:00Z', '5'),
    row(B, '9.8.0', '2025-01-31T16:00:00Z', '77.000000001'),
    row(B, '1.29.0', '2025-01-31T18:15:00Z', '3'),
    // C: one Indian day's worth of edges.
    row(C, '1.29.0', '2025-01-31T18:30:00Z', '1'), // 23:45–00:00 IST: closes 31 Jan
    row(C, '1.29.0', '2025-01-31T18:45:00Z', '0.1'), // 00:00–00:15 on 1 Feb
    row(C, '1.29.0', '2025-02-01T18:30:00Z', '0.2'), // 23:45–00:00: closes 1 Feb
    row(C, '1.29.0', '2025-02-01T18:45:00Z', '8.125'), // 2 Feb
    row(C, '1.8.0', '2025-01-31T18:30:00Z', '500'), // 00:00 IST on 1 Feb
    row(C, '1.8.0', '2025-02-01T06:00:00Z', '505.5'),
    row(C, '1.8.0', '2025-02-01T18:29:59Z', '510'), // 23:59:59 on 1 Feb
    row(C, '1.8.0', '2025-02-01T18:30:00Z', '510.25'), // 00:00 on 2 Feb
    // D: hourly intervals around London's spring-forward day, 1 kWh each, stamped 00:00Z … 24:00Z.
    ...Array.from({ length: 25 }, (_, i) => row(D, '1.29.0', new Date(Date.parse('2025-03-30T00:00:00Z') + i * 3_600_000).toISOString(), '1')),
  ]);
});
afterAll(async () => t?.close());

describe('registersAt', () => {
  const at = d('2025-01-31T18:30:00Z');
  it('takes the reading at the instant, per meter and channel, in bulk', async () => {
    const rows = await india.registersAt([A, B], ['1.8.0', '9.8.0', '1.6.0'], at, 3_600_000);
    expect(rows).toEqual([
      { meterId: A, channel: '1.6.0', ts: d('2025-01-31T18:30:00Z'), value: '4.75', occurredAt: d('2025-01-20T13:15:00Z') },
      { meterId: A, channel: '1.8.0', ts: d('2025-01-31T18:30:00Z'), value: '101.25', occurredAt: null },
      // B's 1.8.0 is a minute later; its 9.8.0 is 2.5 h away, outside the hour: absent.
      { meterId: B, channel: '1.8.0', ts: d('2025-01-31T18:31:00Z'), value: '5', occurredAt: null },
    ]);
  });
  it.each([
    ['2025-01-31T18:40:00Z', '2025-01-31T18:30:00Z'], // 10 min back beats 20 min ahead
    ['2025-01-31T18:50:00Z', '2025-01-31T19:00:00Z'], // 10 min ahead beats 20 min back
    ['2025-01-31T18:45:00Z', '2025-01-31T18:30:00Z'], // a tie goes to the earlier reading
    ['2025-01-31T17:00:00Z', '2025-01-31T18:00:00Z'], // before the first: the first
    ['2025-01-31T20:00:00Z', '2025-01-31T19:00:00Z'], // after the last: the last
  ])('nearest to %s is %s', async (when, expected) => {
    const rows = await india.registersAt([A], ['1.8.0'], d(when), 3_600_000);
    expect(rows.map((r) => r.ts.toISOString())).toEqual([new Date(expected).toISOString()]);
  });
  it('honours the tolerance window and keeps decimals exact', async () => {
    expect(await india.registersAt([A], ['1.8.0'], d('2025-01-31T18:40:00Z'), 5 * 60_000)).toEqual([]);
    expect(await india.registersAt([A], ['1.8.0'], d('2025-01-31T18:40:00Z'), 10 * 60_000)).toHaveLength(1); // the window is inclusive
    const far = await india.registersAt([B], ['9.8.0'], at, 3 * 3_600_000);
    expect(far.map((r) => r.value)).toEqual(['77.000000001']);
  });
  it('returns nothing for no meters, unknown meter ids or channels without readings', async () => {
    expect(await india.registersAt([], ['1.8.0'], at, 60_000)).toEqual([]);
    expect(await india.registersAt([999_999], ['1.8.0', '5.8.0'], at, 60_000)).toEqual([]);
  });
  it.each([
    [[A], ['1.29.0'], 60_000, /register, demand or counter/],
    [[A], ['7.7.7'], 60_000, /register, demand or counter/],
    [[A], ['1.8.0'], 0, /window/],
    [[A], ['1.8.0'], 1.5, /window/],
    [[A], ['1.8.0'], READER_LIMITS.windowMs + 1, /window/],
    [[0], ['1.8.0'], 60_000, /positive integers/],
    [[1.5], ['1.8.0'], 60_000, /positive integers/],
    [Array.from({ length: READER_LIMITS.meters + 1 }, (_, i) => i + 1), ['1.8.0'], 60_000, /at most/],
  ])('refuses bad input %#', async (ids, channels, window, message) => {
    await expect(india.registersAt(ids, channels, at, window)).rejects.toThrow(message);
    await expect(india.registersAt(ids, channels, at, window)).rejects.toBeInstanceOf(ValidationError);
  });
  it('refuses an invalid instant', async () => {
    await expect(india.registersAt([A], ['1.8.0'], new Date('nope'), 60_000)).rejects.toThrow(/valid instant/);
  });
});

describe('intervalSeries', () => {
  it('gives the intervals ending after from, up to and including to, of that meter and channel only', async () => {
    const rows = await india.intervalSeries(A, '1.29.0', d('2025-01-31T18:00:00Z'), d('2025-01-31T18:30:00Z'));
    expect(rows).toEqual([
      { ts: d('2025-01-31T18:15:00Z'), value: '0.25' },
      { ts: d('2025-01-31T18:30:00Z'), value: '0.125' },
    ]);
  });
  it('refuses a register channel, an empty or reversed range and a too long one', async () => {
    await expect(india.intervalSeries(A, '1.8.0', d('2025-01-31T18:00:00Z'), d('2025-01-31T19:00:00Z'))).rejects.toThrow(/interval channel/);
    await expect(india.intervalSeries(A, '1.29.0', d('2025-01-31T18:00:00Z'), d('2025-01-31T18:00:00Z'))).rejects.toThrow(/before/);
    await expect(india.intervalSeries(A, '1.29.0', d('2024-01-01T00:00:00Z'), d('2025-06-01T00:00:00Z'))).rejects.toThrow(/at most 400 days/);
  });
});

describe('dailyAggregates', () => {
  it('groups by the local day: first/last register, exact interval sums, the day convention', async () => {
    const rows = await india.dailyAggregates([C], ['1.8.0', '1.29.0'], '2025-01-31', '2025-02-02');
    expect(rows).toEqual([
      { meterId: C, channel: '1.29.0', day: '2025-01-31', count: 1, first: null, last: null, sum: '1' },
      { meterId: C, channel: '1.29.0', day: '2025-02-01', count: 2, first: null, last: null, sum: '0.3' },
      { meterId: C, channel: '1.29.0', day: '2025-02-02', count: 1, first: null, last: null, sum: '8.125' },
      {
        meterId: C, channel: '1.8.0', day: '2025-02-01', count: 3, sum: null,
        first: { ts: d('2025-01-31T18:30:00Z'), value: '500' },
        last: { ts: d('2025-02-01T18:29:59Z'), value: '510' },
      },
      {
        meterId: C, channel: '1.8.0', day: '2025-02-02', count: 1, sum: null,
        first: { ts: d('2025-02-01T18:30:00Z'), value: '510.25' },
        last: { ts: d('2025-02-01T18:30:00Z'), value: '510.25' },
      },
    ]);
  });
  it('keeps to the days asked for, and to the meters asked for', async () => {
    const rows = await india.dailyAggregates([C, A], ['1.29.0'], '2025-02-01', '2025-02-01');
    expect(rows.map((r) => [r.meterId, r.day, r.sum])).toEqual([
      // A's intervals ending 18:45Z (1) is on 1 Feb; 18:00–18:30Z close 31 Jan.
      [A, '2025-02-01', '1'],
      [C, '2025-02-01', '0.3'],
    ].sort((x, y) => Number(x[0]) - Number(y[0])));
  });
  it('a 23-hour DST day has 23 hourly intervals (Europe/London, 30 March 2025)', async () => {
    const rows = await london.dailyAggregates([D], ['1.29.0'], '2025-03-29', '2025-03-31');
    // 00:00Z closes the 29th; 01:00Z…23:00Z are the 30th; 24:00Z (00:00 GMT = 01:00 BST) is the 31st.
    expect(rows.map((r) => [r.day, r.count, r.sum])).toEqual([
      ['2025-03-29', 1, '1'],
      ['2025-03-30', 23, '23'],
      ['2025-03-31', 1, '1'],
    ]);
  });
  it.each([
    ['2025-02-30', '2025-03-01', /from must be a date/],
    ['2025-2-1', '2025-03-01', /from must be a date/],
    ['2025-02-01', 'tomorrow', /to must be a date/],
    ['2025-02-02', '2025-02-01', /not be after/],
    ['2024-01-01', '2025-02-04', /at most 400 days/],
  ])('refuses %s … %s', async (from, to, message) => {
    await expect(india.dailyAggregates([C], ['1.29.0'], from, to)).rejects.toThrow(message);
  });
  it('refuses instantaneous channels and too many rows', async () => {
    await expect(india.dailyAggregates([C], ['32.7.0'], '2025-02-01', '2025-02-01')).rejects.toThrow(/register, demand, counter or interval/);
    const ids = Array.from({ length: READER_LIMITS.meters }, (_, i) => i + 1);
    await expect(india.dailyAggregates(ids, ['1.8.0'], '2025-01-01', '2025-12-31')).rejects.toThrow(/meters × channels × days/);
  });
});
