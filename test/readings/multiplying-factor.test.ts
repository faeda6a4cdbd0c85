/**
 * Issue 9 §4: an HT meter's readings show its multiplying factor and, on request, the values
 * with it applied (energy billed = register delta × MF). Figures worked by hand: MF 200 (CT
 * 100/5 × PT 11000/110 / constant 10 = 20 × 100 / 10); 12345.6789 kWh × 200 = 2469135.78.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertReadings } from '../../src/ingest/ingest-repository.js';
import { applyMf } from '../../src/readings/multiplying-factor.js';
import { installMeter } from '../ingest/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ TIMEZONE: 'Asia/Kolkata' });
  const db = t.testDb.db;
  const id = await installMeter(db, 'HTMF01', '2024-01-01T00:00:00Z');
  await db.updateTable('meters').set({ multiplying_factor: '200', meter_class: 'ht' }).where('id', '=', id).execute();
  const row = (channel: string, iso: string, value: string, occurredAt: number | null = null) => ({ meterId: id, channel, ts: Date.parse(iso), value, occurredAt });
  await insertReadings(db, [
    row('1.29.0', '2025-01-14T19:00:00Z', '0.125'),
    row('1.29.0', '2025-01-14T19:30:00Z', '0.0000005'),
    row('1.8.0', '2025-01-14T20:00:00Z', '12345.6789'),
    row('9.6.0', '2025-01-14T20:00:00Z', '4.82', Date.parse('2025-01-14T14:00:00Z')),
    row('32.7.0', '2025-01-14T20:00:00Z', '63.5'),
    row('13.7.0', '2025-01-14T20:00:00Z', '-0.97'),
  ]);
}, 60_000);
afterAll(async () => t?.close());

const get = (url: string) => t.app.inject({ url, headers: t.as('read') });
const DAY = 'from=2025-01-15&to=2025-01-16';

describe('multiplying factor on /meters/{serial}/readings', () => {
  it('shows the MF, and leaves values as recorded by default', async () => {
    const r = await get(`/meters/HTMF01/readings?${DAY}`);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.multiplyingFactor).toBe('200.0000'); // as GET /meters/{serial} shows it (numeric(12, 4))
    expect(body.items[0]).toEqual({ channel: '1.29.0', ts: '2025-01-14T19:00:00.000Z', value: '0.125', occurredAt: null });
  });

  it('with applyMf=true: value × MF, exactly, on energy, demand and power; null on V, PF', async () => {
    const r = await get(`/meters/HTMF01/readings?${DAY}&applyMf=true`);
    expect(r.json().items.map((i: { channel: string; value: string; valueMf: string | null }) => [i.channel, i.value, i.valueMf])).toEqual([
      ['1.29.0', '0.125', '25'],
      ['1.29.0', '0.0000005', '0.0001'],
      ['1.8.0', '12345.6789', '2469135.78'],
      ['13.7.0', '-0.97', null],
      ['32.7.0', '63.5', null],
      ['9.6.0', '4.82', '964'],
    ]);
  });

  it('bucketed: the aggregate × MF', async () => {
    const r = await get(`/meters/HTMF01/readings?${DAY}&channel=1.29.0&bucket=1d&agg=sum&applyMf=true`);
    expect(r.json()).toMatchObject({ multiplyingFactor: '200.0000', items: [{ start: '2025-01-14T18:30:00.000Z', value: '0.1250005', valueMf: '25.0001', count: 2 }] });
  });

  it('follows a change of MF (PATCH), and refuses anything but true/false', async () => {
    const patch = await t.app.inject({ method: 'PATCH', url: '/meters/HTMF01', headers: t.as('operate'), payload: { multiplyingFactor: '1000' } });
    expect(patch.statusCode, patch.body).toBe(200);
    const r = await get(`/meters/HTMF01/readings?${DAY}&channel=1.8.0&applyMf=true`);
    expect(r.json()).toMatchObject({ multiplyingFactor: '1000.0000', items: [{ value: '12345.6789', valueMf: '12345678.9' }] });
    for (const bad of ['1', 'yes', 'TRUE', '']) expect((await get(`/meters/HTMF01/readings?${DAY}&applyMf=${bad}`)).statusCode, bad).toBe(400);
  });

  it('is exact at the contract bounds (15+9 digits × an MF of 8+4)', () => {
    expect(applyMf('1.8.0', '999999999999999.999999999', '99999999.9999')).toBe('99999999999899999999999.9000000000001');
  });
});
