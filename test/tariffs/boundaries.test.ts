/**
 * Boundaries a one-character bug would move: PF rounding ties, the PF-from-kVArh path, an uneven
 * revision split and the ratchet's look-back edge. Every figure is worked by hand in the comments.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { billingDemand } from '../../src/tariffs/billing-demand.js';
import { D } from '../../src/tariffs/decimal.js';
import type { CompiledTariff } from '../../src/tariffs/engine-types.js';
import { bill, byRule, compileInline, shipped } from './helpers.js';

let T: Map<string, CompiledTariff>;
const t = (code: string) => T.get(code) as CompiledTariff;
beforeAll(async () => { T = await shipped(); });

describe('PF rounding to 2 places HALF_UP (HT-IND, June 2024, energy charge 710000.00)', () => {
  // kVAh normal 60000 / peak 20000 / off-peak 20000 = 100000; energy 710000.00 (golden test).
  const input = (kWh: number) => ({
    kind: 'registers' as const,
    period: { from: '2024-06-01', to: '2024-07-01' },
    connection: { contractDemand: 500 },
    energy: { kVAh: { normal: 60000, peak: 20000, offpeak: 20000 }, kWh },
    maxDemand: { kVA: 520 },
  });
  it('0.955 exactly rounds up to 0.96: one incentive step, -0.5 % x 710000 = -3550.00', () => {
    expect(byRule(bill(t('HT-IND'), input(95500))).pf).toBe('-3550.00');
  });
  it('0.95499 rounds to 0.95: no PF line at all', () => {
    expect(byRule(bill(t('HT-IND'), input(95499))).pf).toBeUndefined();
  });
  it('0.895 rounds up to 0.90: 5 penalty steps x 0.5 % = 2.5 % x 710000 = 17750.00', () => {
    expect(byRule(bill(t('HT-IND'), input(89500))).pf).toBe('17750.00');
  });
  it('0.89499 rounds to 0.89: 5 x 0.5 % + 1 x 1 % = 3.5 % x 710000 = 24850.00', () => {
    expect(byRule(bill(t('HT-IND'), input(89499))).pf).toBe('24850.00');
  });
});

describe('PF from kWh and kVArh when no kVAh is given', () => {
  // Energy 5.00 Rs/kWh; PF rule: reference 0.95, incentive 0.5 %/0.01 to 1.00, penalty 0.5 %/0.01
  // to 0.90 then 1 %/0.01. PF = kWh / sqrt(kWh² + kVArh²).
  const tariff = compileInline({
    code: 'PFQ', name: 'pf', category: 'other', currency: 'INR', timezone: 'Asia/Kolkata', source: { citation: 'test' },
    versions: [{
      id: 'v', validFrom: '2024-01-01', rounding: { line: { scale: 2, mode: 'HALF_UP' }, total: { scale: 2, mode: 'HALF_UP' } },
      components: [
        { id: 'energy', kind: 'energy', label: 'E', measure: 'kWh', slabs: [{ upTo: null, rate: 5 }] },
        {
          id: 'pf', kind: 'power_factor', label: 'PF', base: ['energy'], reference: 0.95,
          incentive: [{ to: 1, percentPerStep: 0.5 }], penalty: [{ to: 0.9, percentPerStep: 0.5 }, { to: 0, percentPerStep: 1 }],
        },
      ],
    }],
  });
  const q = (kWh: number, kVArh: number) => bill(tariff, { kind: 'registers', period: { from: '2024-06-01', to: '2024-07-01' }, energy: { kWh, kVArh } });
  it('80000 kWh, 60000 kVArh -> PF 0.80: 2.5 % + 10 % = 12.5 % x 400000 = 50000.00', () => {
    const b = q(80000, 60000);
    expect(byRule(b)).toEqual({ energy: '400000.00', pf: '50000.00' });
    expect(b.total.toFixed(2)).toBe('450000.00');
  });
  it('72000 kWh, 21000 kVArh -> PF 72000/75000 = 0.96: incentive 0.5 % x 360000 = -1800.00', () => {
    const b = q(72000, 21000);
    expect(byRule(b)).toEqual({ energy: '360000.00', pf: '-1800.00' });
    expect(b.total.toFixed(2)).toBe('358200.00');
  });
});

describe('LT-DOM: an uneven revision split (10 days old version, 15 days new)', () => {
  // 2025-03-22 .. 2025-04-16 (exclusive) = 25 days: 22-31 March (FY2024-25) 10 days, fraction 0.4;
  // 1-15 April (FY2025-26) 15 days, fraction 0.6. 400 kWh pro rata: S1 160, S2 240 kWh.
  // S1 (slabs x 0.4: 40 / 60 / 120 / above): fixed 2 x 110 x 0.4 = 88.00;
  //    energy 40 x 5.50 = 220.00 + 20 x 5.50 = 110.00 + 60 x 6.00 = 360.00 + 40 x 6.50 = 260.00 = 950.00;
  //    fppca 160 x 0.08 = 12.80; subsidy -min(160, 100 x 0.4) x 0.50 = -20.00;
  //    duty 5 % x (88 + 950 + 12.80 = 1050.80) = 52.54
  // S2 (slabs x 0.6: 60 / 90 / 180 / above): fixed 2 x 115 x 0.6 = 138.00;
  //    energy 60 x 5.65 = 339.00 + 30 x 5.65 = 169.50 + 90 x 6.20 = 558.00 + 60 x 6.70 = 402.00 = 1468.50;
  //    fppca 240 x 0.12 = 28.80; subsidy -min(240, 100 x 0.6) x 0.50 = -30.00;
  //    duty 5 % x (138 + 1468.50 + 28.80 = 1635.30) = 81.765 -> 81.77
  // sum 1083.34 + 1687.07 = 2770.41 -> total 2770
  it('prorates days, energy and slab bounds by each part', () => {
    const b = bill(t('LT-DOM'), { kind: 'registers', period: { from: '2025-03-22', to: '2025-04-16' }, connection: { sanctionedLoad: 2 }, energy: { kWh: 400 } });
    expect(b.segments.map((s) => [s.version, s.days, s.fraction])).toEqual([['FY2024-25', 10, '0.4'], ['FY2025-26', 15, '0.6']]);
    const seg = (id: string) => byRule({ ...b, lines: b.lines.filter((l) => l.segment === id && l.ruleId !== 'rounding') });
    expect(seg('S1')).toEqual({ fixed: '88.00', energy: '950.00', fppca: '12.80', subsidy: '-20.00', duty: '52.54' });
    expect(seg('S2')).toEqual({ fixed: '138.00', energy: '1468.50', fppca: '28.80', subsidy: '-30.00', duty: '81.77' });
    expect(b.total.toFixed()).toBe('2770');
  });
});

describe('ratchet look-back edge (11 months, 85 %)', () => {
  const rule = { measure: 'kVA' as const, ratchet: { lookbackMonths: 11, percentByMonth: Array(12).fill(85) } };
  const june2024 = 2024 * 12 + 5;
  const bd = (previous: { monthIndex: number; value: number }[]) => {
    const r = billingDemand(rule as never, { peak: new D(100), contractDemand: undefined, monthIndex: june2024, previous: previous.map((p) => ({ ...p, value: new D(p.value) })) });
    return { chosen: r.chosen, value: r.value.toFixed() };
  };
  it('a month exactly 11 back counts: 85 % x 1000 = 850', () => {
    expect(bd([{ monthIndex: june2024 - 11, value: 1000 }])).toEqual({ chosen: 'ratchet', value: '850' });
  });
  it('a month 12 back does not count, nor the billing month itself', () => {
    expect(bd([{ monthIndex: june2024 - 12, value: 1000 }, { monthIndex: june2024, value: 1000 }])).toEqual({ chosen: 'recorded', value: '100' });
  });
  it('one month back counts', () => {
    expect(bd([{ monthIndex: june2024 - 1, value: 200 }])).toEqual({ chosen: 'ratchet', value: '170' });
  });
});
