/**
 * Golden bills worked by hand (the arithmetic is in the comments) on the shipped tariffs and on
 * small inline tariffs. Line rounding of the shipped tariffs: 2 places HALF_UP; total: rupee HALF_UP.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CompiledTariff } from '../../src/tariffs/engine-types.js';
import { bill, byRule, compileInline, shipped, sumLines } from './helpers.js';

let T: Map<string, CompiledTariff>;
const t = (code: string) => T.get(code) as CompiledTariff;
beforeAll(async () => { T = await shipped(); });

describe('HT-IND: demand + TOD + excess + PF + FPPCA + levies (FY2024-25)', () => {
  // June 2024 (summer zones), 30 days, CD 500 kVA, MD 520 kVA, kVAh normal 60000 / peak 20000 /
  // off-peak 20000, kWh 96000 -> PF 0.96.
  //   demand  BD = max(520, 75% x 500 = 375) = 520 kVA x 300 x 1 month      = 156000.00
  //   energy  normal 60000 x 7.10                                              = 426000.00
  //           peak   20000 x 7.10 x 1.15 = 20000 x 8.165                       = 163300.00
  //           off    20000 x 7.10 x 0.85 = 20000 x 6.035                       = 120700.00
  //   excess  (520 - 500) x 150 x 1                                            =   3000.00
  //   pf      0.96: 1 step of 0.01 above 0.95 x 0.5 % = -0.5 % x 710000        =  -3550.00
  //   fppca   100000 kVAh x 0.10                                                =  10000.00
  //   regsur  2.84 % x (156000 + 710000 + 3000 - 3550 + 10000 = 875450)         =  24862.78
  //   duty    7.5 % x (710000 - 3550 + 10000 = 716450)                           =  53733.75
  //   sum 954046.53 -> total 954047 (rounding +0.47)
  const input = {
    kind: 'registers' as const,
    period: { from: '2024-06-01', to: '2024-07-01' },
    connection: { contractDemand: 500 },
    energy: { kVAh: { normal: 60000, peak: 20000, offpeak: 20000 }, kWh: 96000 },
    maxDemand: { kVA: 520 },
  };
  it('bills every component as worked by hand', () => {
    const b = bill(t('HT-IND'), input);
    expect(byRule(b)).toEqual({
      demand: '156000.00', energy: '710000.00', excess: '3000.00', pf: '-3550.00', fppca: '10000.00',
      regsur: '24862.78', duty: '53733.75', rounding: '0.47',
    });
    expect(b.total.toFixed()).toBe('954047');
    const peak = b.lines.find((l) => l.ruleId === 'energy' && l.zone === 'peak');
    expect(peak?.amount.toFixed(2)).toBe('163300.00');
    expect(peak?.formula).toBe('20000 kVAh × 7.1 × 1.15 TOD');
    expect(b.segments[0]?.determinants.billingDemand).toMatchObject({ value: '520', chosen: 'recorded' });
  });

  it('floor demand: MD below 75 % of CD bills 75 % of CD, and no excess', () => {
    // BD = max(300, 375) = 375 kVA x 300 = 112500.00
    const b = bill(t('HT-IND'), { ...input, maxDemand: { kVA: 300 } });
    expect(byRule(b).demand).toBe('112500.00');
    expect(byRule(b).excess).toBeUndefined();
    expect(b.segments[0]?.determinants.billingDemand).toMatchObject({ chosen: 'floor', value: '375' });
  });

  it('PF penalty bands: 0.88 -> 5 steps x 0.5 % + 2 steps x 1 % = 4.5 % of the energy charge', () => {
    // kWh = 88000 of 100000 kVAh -> PF 0.88; 4.5 % x 710000 = 31950.00
    const b = bill(t('HT-IND'), { ...input, energy: { ...input.energy, kWh: 88000 } });
    expect(byRule(b).pf).toBe('31950.00');
  });

  it('PF from kVArh: kWh 96000, kVArh 28000 -> PF = 96000 / 100000 = 0.96', () => {
    const b = bill(t('HT-IND'), { ...input, energy: { kVAh: input.energy.kVAh, kWh: 96000, kVArh: 28000 } });
    expect(byRule(b).pf).toBe('-3550.00');
  });

  it('lines sum to the total and settlement rules come back as data, unapplied', () => {
    const b = bill(t('HT-IND'), input);
    expect(sumLines(b).toFixed()).toBe(b.total.toFixed());
    expect(b.settlementRules.map((r) => r.kind)).toEqual(['late_payment_surcharge', 'prompt_payment_rebate', 'late_served_rebate']);
  });
});

describe('LT-DOM: telescopic slabs, subsidy, duty, revision split on 1 April 2025', () => {
  // 2025-03-17 .. 2025-04-16 (exclusive): 30 days, 15 in FY2024-25 (17-31 Mar), 15 in FY2025-26.
  // 400 kWh, 2 kW sanctioned, no boundary reading -> each segment 200 kWh, month factor 0.5,
  // slab bounds x 0.5: 50 / 75 / 150 / above.
  // S1: fixed 2 x 110 x 0.5 = 110.00; energy 50 x 5.50 = 275.00, 25 x 5.50 = 137.50,
  //     75 x 6.00 = 450.00, 50 x 6.50 = 325.00 (1187.50); fppca 200 x 0.08 = 16.00;
  //     subsidy -min(200, 100 x 0.5) x 0.50 = -25.00; duty 5 % x (110 + 1187.50 + 16) = 65.675 -> 65.68
  // S2: fixed 2 x 115 x 0.5 = 115.00; energy 50 x 5.65 = 282.50, 25 x 5.65 = 141.25,
  //     75 x 6.20 = 465.00, 50 x 6.70 = 335.00 (1223.75); fppca 200 x 0.12 = 24.00;
  //     subsidy -25.00; duty 5 % x (115 + 1223.75 + 24) = 68.1375 -> 68.14
  // sum 1354.18 + 1405.89 = 2760.07 -> total 2760 (rounding -0.07)
  const input = {
    kind: 'registers' as const,
    period: { from: '2025-03-17', to: '2025-04-16' },
    connection: { sanctionedLoad: 2 },
    energy: { kWh: 400 },
  };
  it('splits pro rata by days and shows both parts', () => {
    const b = bill(t('LT-DOM'), input);
    expect(b.segments.map((s) => [s.version, s.days, s.fraction])).toEqual([['FY2024-25', 15, '0.5'], ['FY2025-26', 15, '0.5']]);
    const seg = (id: string) => Object.fromEntries(Object.entries(byRule({ ...b, lines: b.lines.filter((l) => l.segment === id) })));
    expect(seg('S1')).toEqual({ fixed: '110.00', energy: '1187.50', fppca: '16.00', subsidy: '-25.00', duty: '65.68' });
    expect(seg('S2')).toEqual({ fixed: '115.00', energy: '1223.75', fppca: '24.00', subsidy: '-25.00', duty: '68.14', rounding: '-0.07' });
    expect(b.total.toFixed()).toBe('2760');
    expect(b.lines.filter((l) => l.ruleId === 'energy' && l.segment === 'S1').map((l) => l.amount.toFixed(2))).toEqual(['275.00', '137.50', '450.00', '325.00']);
  });

  it('a boundary reading replaces the pro-rata split', () => {
    // 150 kWh before 1 April: S1 = 150, S2 = 250 kWh.
    const b = bill(t('LT-DOM'), { ...input, boundaryReadings: [{ date: '2025-04-01', kWh: 150 }] });
    expect(b.segments.map((s) => s.determinants.kWh)).toEqual([{ total: { all: '150' } }, { total: { all: '250' } }]);
    // S1 energy: 50 x 5.5 + 25 x 5.5 + 75 x 6.0 = 862.50 (150 units fill the first three halved slabs)
    expect(byRule({ ...b, lines: b.lines.filter((l) => l.segment === 'S1') }).energy).toBe('862.50');
  });
});

describe('LT-NDOM: minimum charge top-up', () => {
  // June 2024, 5 kW, 100 kWh: fixed 5 x 330 = 1650.00; energy 100 x 7.50 = 750.00;
  // minimum 5 x 600 = 3000 vs 2400 charged -> top-up 600.00; fppca 8.00;
  // duty 7.5 % x (1650 + 750 + 8 + 600 = 3008) = 225.60; sum 3233.60 -> 3234
  it('tops fixed + energy up to the minimum and levies duty on it', () => {
    const b = bill(t('LT-NDOM'), { kind: 'registers', period: { from: '2024-06-01', to: '2024-07-01' }, connection: { sanctionedLoad: 5 }, energy: { kWh: 100 } });
    expect(byRule(b)).toEqual({ fixed: '1650.00', energy: '750.00', fppca: '8.00', minimum: '600.00', duty: '225.60', rounding: '0.40' });
    expect(b.total.toFixed()).toBe('3234');
  });
});

const inline = {
  code: 'TEST', name: 'test', category: 'other' as const, currency: 'INR', timezone: 'Asia/Kolkata',
  source: { citation: 'test' },
};

describe('non-telescopic slabs', () => {
  // whole consumption at the rate of the slab it falls in: 0-100 @ 3, 101-300 @ 5, above @ 7.
  const tariff = compileInline({
    ...inline,
    versions: [{
      id: 'v1', validFrom: '2024-01-01', rounding: { line: { scale: 2, mode: 'HALF_UP' }, total: { scale: 2, mode: 'HALF_UP' } },
      components: [{ id: 'energy', kind: 'energy', label: 'E', measure: 'kWh', slabMode: 'non_telescopic', slabs: [{ upTo: 100, rate: 3 }, { upTo: 300, rate: 5 }, { upTo: null, rate: 7 }] }],
    }],
  });
  const q = (kWh: number) => bill(tariff, { kind: 'registers', period: { from: '2024-06-01', to: '2024-07-01' }, energy: { kWh } }).total.toFixed();
  it('100 -> 300.00 (bound inclusive), 101 -> 505.00, 301 -> 2107.00', () => {
    expect([q(100), q(101), q(301)]).toEqual(['300', '505', '2107']);
  });
});

describe('interval input: zones by hour, 30-minute demand from 15-minute data', () => {
  // 1 June 2024 (Saturday), Asia/Kolkata. Peak zone 18-22 at 9.00/kWh, normal 5.00/kWh;
  // demand 100/kW on the highest 30-minute average kW.
  // 18:00-18:15 10 kWh, 18:15-18:30 20 kWh -> peak 30 kWh; demand block 18:00-18:30 = 30 x 2 = 60 kW
  // (the 15-minute 80 kW never counts). 10:00-10:15 5 kWh and 23:45-24:00 1 kWh -> normal 6 kWh.
  // energy 30 x 9 = 270.00 + 6 x 5 = 30.00; demand 60 x 100 = 6000.00; total 6300.00
  const tariff = compileInline({
    ...inline,
    versions: [{
      id: 'v1', validFrom: '2024-01-01', rounding: { line: { scale: 2, mode: 'HALF_UP' }, total: { scale: 2, mode: 'HALF_UP' } },
      schedules: { tod: { type: 'rules', zones: ['normal', 'peak'], default: 'normal', rules: [{ zone: 'peak', hours: [{ from: 18, to: 22 }] }] } },
      billingDemand: { measure: 'kW', demandIntervalMinutes: 30 },
      components: [
        { id: 'energy', kind: 'energy', label: 'E', measure: 'kWh', schedule: 'tod', slabs: [{ upTo: null, rate: 5 }], zoneRates: { normal: [5], peak: [9] } },
        { id: 'demand', kind: 'demand', label: 'D', basis: 'billing_demand', tiers: [{ upTo: null, rate: 100 }] },
      ],
    }],
  });
  it('derives zone energy and demand from the series', () => {
    const kWh: string[] = Array.from({ length: 96 }, () => '0');
    kWh[72] = '10'; // ends 18:15
    kWh[73] = '20'; // ends 18:30
    kWh[40] = '5'; // ends 10:15
    kWh[95] = '1'; // ends 24:00
    const b = bill(tariff, {
      kind: 'intervals', period: { from: '2024-06-01', to: '2024-06-02' }, intervalMinutes: 15,
      series: { firstEnd: '2024-06-01T00:15:00+05:30', kWh },
    });
    expect(b.segments[0]?.determinants.kWh).toMatchObject({ tod: { normal: '6', peak: '30' } });
    expect(byRule(b)).toEqual({ energy: '300.00', demand: '6000.00' });
    expect(b.total.toFixed()).toBe('6300');
    expect(b.warnings).toEqual([]);
  });

  it('the same readings with UTC timestamps land in the same local zones', () => {
    const b = bill(tariff, {
      kind: 'intervals', period: { from: '2024-06-01', to: '2024-06-02' }, intervalMinutes: 15,
      readings: [
        { end: '2024-06-01T12:45:00Z', kWh: 10 }, { end: '2024-06-01T13:00:00Z', kWh: 20 },
        { end: '2024-06-01T04:45:00Z', kWh: 5 }, { end: '2024-06-01T18:30:00Z', kWh: 1 },
      ].sort((a, b) => a.end.localeCompare(b.end)),
    });
    expect(b.total.toFixed()).toBe('6300');
    expect(b.warnings[0]).toMatch(/4 of 96 intervals/);
  });
});

describe('rounding rules come from the tariff', () => {
  // 3 x 0.125 = 0.375 -> HALF_UP 0.38, HALF_EVEN 0.38, DOWN 0.37; total scale 1 HALF_EVEN -> 0.4
  for (const [mode, line, total] of [['HALF_UP', '0.38', '0.4'], ['DOWN', '0.37', '0.4'], ['HALF_EVEN', '0.38', '0.4']] as const) {
    it(`line ${mode}`, () => {
      const tariff = compileInline({
        ...inline,
        versions: [{
          id: 'v1', validFrom: '2024-01-01', rounding: { line: { scale: 2, mode }, total: { scale: 1, mode: 'HALF_EVEN' } },
          components: [{ id: 'e', kind: 'energy', label: 'E', measure: 'kWh', slabs: [{ upTo: null, rate: '0.125' }] }],
        }],
      });
      const b = bill(tariff, { kind: 'registers', period: { from: '2024-06-01', to: '2024-07-01' }, energy: { kWh: 3 } });
      expect(b.lines[0]?.amount.toFixed(2)).toBe(line);
      expect(b.total.toFixed(1)).toBe(total);
    });
  }
});
