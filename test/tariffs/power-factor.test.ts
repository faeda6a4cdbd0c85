/**
 * Power factor (src/tariffs/components/adjustments.ts, register-determinants.ts): PF values that
 * need rounding (ties included), each rounding mode, the kVArh path, and the step bands, worked by
 * hand. Tariff: energy 10.00/kWh; PF reference 0.95, incentive 0.5 % per 0.01 above; penalty
 * 0.5 % per 0.01 down to 0.90, then 1 % per 0.01; the percent applies to the energy line.
 */
import { describe, expect, it } from 'vitest';
import type { RoundingModeName } from '../../src/tariffs/decimal.js';
import { bill, byRule, compileInline } from './helpers.js';

function tariff(pfRounding?: { scale: number; mode: RoundingModeName }) {
  return compileInline({
    code: 'PF', name: 'pf', category: 'other', currency: 'INR', timezone: 'Asia/Kolkata', source: { citation: 'test' },
    versions: [{
      id: 'v', validFrom: '2024-01-01',
      rounding: { line: { scale: 2, mode: 'HALF_UP' }, total: { scale: 2, mode: 'HALF_UP' } },
      components: [
        { id: 'energy', kind: 'energy', label: 'E', measure: 'kWh', slabs: [{ upTo: null, rate: 10 }] },
        {
          id: 'pf', kind: 'power_factor', label: 'PF', base: ['energy'], reference: 0.95,
          ...(pfRounding ? { pfRounding } : {}),
          incentive: [{ to: 1, percentPerStep: 0.5 }],
          penalty: [{ to: 0.9, percentPerStep: 0.5 }, { to: 0, percentPerStep: 1 }],
        },
      ],
    }],
  });
}

const quote = (energy: Record<string, number>) => ({
  kind: 'registers' as const, period: { from: '2024-06-01', to: '2024-07-01' }, energy, maxDemand: {},
});
const pfOf = (t: ReturnType<typeof tariff>, energy: Record<string, number>) => {
  const b = bill(t, quote(energy));
  return { pf: byRule(b).pf, total: b.total.toFixed(2), line: b.lines.find((l) => l.ruleId === 'pf') };
};

describe('power factor rounding (default 2 places HALF_UP)', () => {
  const t = tariff();
  it('0.955 (a tie) rounds up to 0.96: one step of incentive, -0.5 % x 955000.00 = -4775.00', () => {
    const r = pfOf(t, { kWh: 95500, kVAh: 100000 });
    expect(r.pf).toBe('-4775.00');
    expect(r.total).toBe('950225.00');
    expect(r.line?.inputs).toMatchObject({ powerFactor: '0.96', reference: '0.95', percent: '-0.5' });
    expect(r.line?.formula).toBe('-0.5 % (incentive, PF 0.96 vs 0.95) × 955000');
  });
  it('0.95499 rounds to 0.95: no line', () => {
    expect(pfOf(t, { kWh: 95499, kVAh: 100000 }).pf).toBeUndefined();
  });
  it('0.945 (a tie below) rounds up to 0.95: no penalty', () => {
    expect(pfOf(t, { kWh: 94500, kVAh: 100000 }).pf).toBeUndefined();
  });
  it('0.885 rounds to 0.89: 5 steps x 0.5 % + 1 step x 1 % = 3.5 % x 885000.00 = 30975.00', () => {
    const r = pfOf(t, { kWh: 88500, kVAh: 100000 });
    expect(r.pf).toBe('30975.00');
    expect(r.line?.formula).toBe('3.5 % (penalty, PF 0.89 vs 0.95) × 885000');
  });
  it('1.00: 5 steps of incentive = -2.5 %', () => {
    expect(pfOf(t, { kWh: 100000, kVAh: 100000 }).pf).toBe('-25000.00');
  });
});

describe('power factor rounding modes named by the tariff', () => {
  it('DOWN: 0.955 -> 0.95 (nothing); 0.945 -> 0.94 (one penalty step, 0.5 % x 945000.00 = 4725.00)', () => {
    const t = tariff({ scale: 2, mode: 'DOWN' });
    expect(pfOf(t, { kWh: 95500, kVAh: 100000 }).pf).toBeUndefined();
    expect(pfOf(t, { kWh: 94500, kVAh: 100000 }).pf).toBe('4725.00');
  });
  it('HALF_EVEN: 0.945 -> 0.94 (penalty 4725.00); 0.955 -> 0.96 (incentive -4775.00)', () => {
    const t = tariff({ scale: 2, mode: 'HALF_EVEN' });
    expect(pfOf(t, { kWh: 94500, kVAh: 100000 }).pf).toBe('4725.00');
    expect(pfOf(t, { kWh: 95500, kVAh: 100000 }).pf).toBe('-4775.00');
  });
  it('3 places: 0.9549 stays below 0.955 -> 0.955: a part step above 0.95 earns nothing', () => {
    const t = tariff({ scale: 3, mode: 'HALF_UP' });
    expect(pfOf(t, { kWh: 95490, kVAh: 100000 }).pf).toBeUndefined();
    // 0.9651 -> 0.965: one whole step (0.015 / 0.01 = 1.5 -> 1): -0.5 % x 965100.00 = -4825.50
    expect(pfOf(t, { kWh: 96510, kVAh: 100000 }).pf).toBe('-4825.50');
  });
});

describe('power factor from kVArh: kWh / sqrt(kWh² + kVArh²)', () => {
  const t = tariff();
  it('kWh 96000, kVArh 28000 -> 96000 / 100000 = 0.96: -0.5 % x 960000.00 = -4800.00', () => {
    expect(pfOf(t, { kWh: 96000, kVArh: 28000 }).pf).toBe('-4800.00');
  });
  it('kWh 60000, kVArh 80000 -> 0.6: 5 x 0.5 % + 30 x 1 % = 32.5 % x 600000.00 = 195000.00', () => {
    expect(pfOf(t, { kWh: 60000, kVArh: 80000 }).pf).toBe('195000.00');
  });
  it('kVAh 0 falls back to kVArh', () => {
    expect(pfOf(t, { kWh: 96000, kVAh: 0, kVArh: 28000 }).pf).toBe('-4800.00');
  });
  it('kWh 3, kVArh 4 -> 3 / 5 = 0.6 (the square root, not the sum)', () => {
    // 30.00 energy x 32.5 % = 9.75
    expect(pfOf(t, { kWh: 3, kVArh: 4 }).pf).toBe('9.75');
  });
  it('without kVAh or kVArh there is no power factor: the rule says what it needs', () => {
    expect(() => pfOf(t, { kWh: 100 })).toThrow('rule pf needs the power factor');
  });
});
