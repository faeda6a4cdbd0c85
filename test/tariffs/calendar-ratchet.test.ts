/**
 * Day types (weekday / weekend / holiday) in TOD schedules, an HT-style ratchet on earlier
 * months' MD, determinism, and the committed imported URDB tariff matching its source.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toBillJson } from '../../src/tariffs/bill-json.js';
import { parseTariffText } from '../../src/tariffs/tariff-parse.js';
import { importUrdb } from '../../src/tariffs/urdb/import-urdb.js';
import { bill, byRule, compileInline, TARIFFS_DIR } from './helpers.js';

const base = {
  code: 'CAL', name: 'calendar', category: 'other' as const, currency: 'INR', timezone: 'Asia/Kolkata', source: { citation: 'test' },
};
const rounding = { line: { scale: 2, mode: 'HALF_UP' as const }, total: { scale: 2, mode: 'HALF_UP' as const } };

describe('TOD day types', () => {
  // Peak 18-22 on weekdays only, 10.00/kWh; otherwise 4.00/kWh. 2024-08-15 (Thursday) is a holiday.
  const tariff = compileInline({
    ...base,
    versions: [{
      id: 'v', validFrom: '2024-01-01', rounding, calendar: { weekendDays: [0, 6], holidays: ['2024-08-15'] },
      schedules: { tod: { type: 'rules', zones: ['off', 'peak'], default: 'off', rules: [{ zone: 'peak', days: ['weekday'], hours: [{ from: 18, to: 22 }] }] } },
      components: [{ id: 'e', kind: 'energy', label: 'E', measure: 'kWh', schedule: 'tod', slabs: [{ upTo: null, rate: 4 }], zoneRates: { off: [4], peak: [10] } }],
    }],
  });
  const day = (date: string) => bill(tariff, {
    kind: 'intervals', period: { from: date, to: `${date.slice(0, 8)}${String(Number(date.slice(8)) + 1).padStart(2, '0')}` }, intervalMinutes: 60,
    readings: [{ end: `${date}T19:00:00+05:30`, kWh: 1 }],
  }).total.toFixed(2);
  it('weekday 18-19 is peak (10.00); Saturday and a holiday Thursday are off-peak (4.00)', () => {
    expect([day('2024-08-14'), day('2024-08-17'), day('2024-08-15')]).toEqual(['10.00', '4.00', '4.00']);
  });
});

describe('ratchet on earlier months', () => {
  // BD = max(MD 300, 75 % x CD 500 = 375, 85 % of the highest MD of the last 11 months:
  // 85 % x 600 (2024-03) = 510; 2023-06's 900 is 12 months back and does not count) = 510.
  // 510 kVA x 250 = 127500.00
  const tariff = compileInline({
    ...base,
    versions: [{
      id: 'v', validFrom: '2024-01-01', rounding,
      billingDemand: { measure: 'kVA', floorPercentOfContractDemand: 75, ratchet: { lookbackMonths: 11, percentByMonth: Array(12).fill(85) } },
      components: [{ id: 'd', kind: 'demand', label: 'D', basis: 'billing_demand', tiers: [{ upTo: null, rate: 250 }] }],
    }],
  });
  it('takes the ratchet when it is the highest candidate', () => {
    const b = bill(tariff, {
      kind: 'registers', period: { from: '2024-06-01', to: '2024-07-01' }, connection: { contractDemand: 500 }, energy: {},
      maxDemand: { kVA: 300 }, previousDemands: [{ month: '2023-06', value: 900 }, { month: '2024-03', value: 600 }, { month: '2024-05', value: 350 }],
    });
    expect(byRule(b)).toEqual({ d: '127500.00' });
    expect(b.segments[0]?.determinants.billingDemand).toMatchObject({ chosen: 'ratchet', value: '510' });
  });
});

describe('determinism and the committed imported tariff', () => {
  it('the same input gives the same bill JSON', async () => {
    const { shipped } = await import('./helpers.js');
    const t = (await shipped()).get('HT-IND');
    if (!t) throw new Error('HT-IND missing');
    const input = {
      kind: 'registers' as const, period: { from: '2025-03-20', to: '2025-04-20' }, connection: { contractDemand: 500 },
      energy: { kVAh: { normal: 60000, peak: 20000, offpeak: 20000 }, kWh: 93000 }, maxDemand: { kVA: 540 },
    };
    expect(JSON.stringify(toBillJson(bill(t, input)))).toBe(JSON.stringify(toBillJson(bill(t, input))));
  });

  it('tariffs/URDB-EXAMPLE-COM-TOU.yaml is what import-urdb makes of its source', () => {
    const source = JSON.parse(readFileSync(join(TARIFFS_DIR, 'sources/urdb-example-commercial-tou-demand.json'), 'utf8')) as unknown;
    const imported = importUrdb(source, { code: 'URDB-EXAMPLE-COM-TOU', timezone: 'Etc/GMT+7' });
    const committed = parseTariffText('URDB-EXAMPLE-COM-TOU.yaml', readFileSync(join(TARIFFS_DIR, 'URDB-EXAMPLE-COM-TOU.yaml'), 'utf8'));
    expect(committed.tariff).toEqual(imported);
  });
});
