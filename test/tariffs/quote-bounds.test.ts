/**
 * Quote inputs are bounded (issue 8 #1, #18): digits and exponents of every quantity, period
 * length, months, series length, zones, earlier demands; and kWh above kVAh is refused, not
 * capped at PF 1.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CompiledTariff } from '../../src/tariffs/engine-types.js';
import { pathIssues } from '../../src/lib/zod-issues.js';
import { quoteInputSchema, type QuoteInputRaw } from '../../src/tariffs/quote-schema.js';
import { parseTariffText } from '../../src/tariffs/tariff-parse.js';
import { bill, shipped } from './helpers.js';

let T: Map<string, CompiledTariff>;
beforeAll(async () => { T = await shipped(); });

const ht = {
  kind: 'registers' as const,
  period: { from: '2024-06-01', to: '2024-07-01' },
  connection: { contractDemand: 500 },
  energy: { kVAh: { normal: '60000', peak: '20000', offpeak: '20000' }, kWh: '96000' },
  maxDemand: { kVA: '520' },
};
const hourly = (kWh: unknown[]) => ({
  kind: 'intervals' as const, period: { from: '2024-06-01', to: '2024-06-02' }, intervalMinutes: 60 as const,
  series: { firstEnd: '2024-05-31T19:30:00Z', kWh },
});

/** The issues of a refused input as "path: message". */
function refused(input: unknown): string[] {
  const r = quoteInputSchema.safeParse(input);
  expect(r.success).toBe(false);
  return pathIssues(r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('quantities are bounded in digits and exponent', () => {
  it('a huge exponent is refused at once, naming the field', () => {
    const t = performance.now();
    expect(refused({ ...ht, energy: { ...ht.energy, kWh: '1e1000000000' } }))
      .toEqual(['energy.kWh: exponent out of range: a non-negative decimal with at most 12 integer digits and 24 decimal places']);
    expect(refused({ ...ht, energy: { ...ht.energy, kWh: '1e2000000' } })[0]).toMatch(/^energy\.kWh: exponent out of range/);
    expect(refused({ ...ht, energy: { ...ht.energy, kVAh: { ...ht.energy.kVAh, peak: '1e13' } } })[0]).toMatch(/^energy\.kVAh\.peak: too many integer digits/);
    expect(refused(hourly(['1', '2', '3', '1e999999'])).some((m) => m.startsWith('series.kWh.3: too many integer digits'))).toBe(true);
    expect(refused({ ...ht, maxDemand: { kVA: '1e-25' } })[0]).toMatch(/^maxDemand\.kVA: too many decimal places/);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('loads take the accounts column bounds, numeric(12, 3)', () => {
    expect(refused({ ...ht, connection: { contractDemand: '500.1234' } })[0]).toMatch(/^connection\.contractDemand: too many decimal places.*9 integer digits and 3 decimal places/);
    expect(refused({ ...ht, connection: { contractDemand: '1234567890' } })[0]).toMatch(/^connection\.contractDemand: too many integer digits/);
  });

  it('exponent notation within the bounds is read exactly: 9.6e4 kWh bills as 96000 (golden HT-IND June 2024)', () => {
    const b = bill(T.get('HT-IND') as CompiledTariff, { ...ht, energy: { ...ht.energy, kWh: '9.6e4' } });
    expect(b.total.toFixed()).toBe('954047');
  });

  it('power factor above 1 is refused without a float comparison', () => {
    expect(refused({ ...ht, powerFactor: '1.0000000000000000000001' })).toEqual(['powerFactor: at most 1']);
    expect(quoteInputSchema.parse({ ...ht, powerFactor: '1.000' })).toMatchObject({ powerFactor: '1' });
  });
});

describe('period and months', () => {
  it('months is a whole number from 1 to 12', () => {
    for (const m of ['1e9', 13, 0, 1.5, '0.5', '-1']) expect(refused({ ...ht, months: m })[0]).toMatch(/^months: /);
    expect(quoteInputSchema.parse({ ...ht, months: '12' })).toMatchObject({ months: 12 });
    expect(quoteInputSchema.parse({ ...ht, months: 2 })).toMatchObject({ months: 2 });
  });

  it('a period is at most 366 days', () => {
    // 2024 is a leap year: 2024-01-01 .. 2025-01-01 is 366 days; one day more is refused
    expect(quoteInputSchema.safeParse({ ...ht, period: { from: '2024-01-01', to: '2025-01-01' } }).success).toBe(true);
    expect(refused({ ...ht, period: { from: '2024-01-01', to: '2025-01-02' } })).toEqual(['period.to: a bill period is at most 366 days']);
    expect(refused({ ...ht, period: { from: '2024-01-01', to: '9024-01-01' } })).toEqual(['period.to: a bill period is at most 366 days']);
  });
});

describe('sizes', () => {
  it('series, readings, zones, earlier demands and boundary readings are bounded', () => {
    const n = 366 * 96;
    expect(refused(hourly(Array.from({ length: n + 1 }, () => '1')))).toContain(`series.kWh: Too big: expected array to have <=${n} items`);
    expect(quoteInputSchema.safeParse(hourly(Array.from({ length: n }, () => '1'))).success).toBe(true);
    const zones = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`z${i}`, '1']));
    expect(refused({ ...ht, energy: { kWh: zones } })).toContain('energy.kWh: at most 64 zones');
    const prev = Array.from({ length: 37 }, () => ({ month: '2024-01', value: '1' }));
    expect(refused({ ...ht, previousDemands: prev })).toEqual(['previousDemands: Too big: expected array to have <=36 items']);
  });
});

describe('kWh above kVAh is refused, never capped at PF 1 (issue 8 #18)', () => {
  const quote = (input: QuoteInputRaw) => () => bill(T.get('HT-IND') as CompiledTariff, input);

  it('registers: 100001 kWh on 100000 kVAh', () => {
    // before: PF = min(1, 1.00001) = 1 -> the maximum PF incentive on impossible data
    expect(quote({ ...ht, energy: { ...ht.energy, kWh: '100001' } }))
      .toThrow('kWh 100001 exceeds kVAh 100000: active energy cannot exceed apparent energy (power factor above 1); check the meter data');
  });

  it('equal kWh and kVAh is PF 1 exactly', () => {
    const b = bill(T.get('HT-IND') as CompiledTariff, { ...ht, energy: { ...ht.energy, kWh: '100000' } });
    expect(b.lines.find((l) => l.ruleId === 'pf')?.inputs.powerFactor).toBe('1');
  });

  it('intervals: a day of quarter hours of 0.5 kWh on 0.375 kVAh', () => {
    // 96 x 0.5 = 48 kWh, 96 x 0.375 = 36 kVAh
    const input = {
      kind: 'intervals' as const, period: { from: '2024-06-01', to: '2024-06-02' }, intervalMinutes: 15 as const, connection: { contractDemand: 500 },
      series: { firstEnd: '2024-05-31T18:45:00Z', kWh: Array.from({ length: 96 }, () => '0.5'), kVAh: Array.from({ length: 96 }, () => '0.375') },
    };
    expect(quote(input)).toThrow('kWh 48 exceeds kVAh 36');
  });
});

describe('tariff file figures are bounded too', () => {
  it('a rate of 1e300 (YAML number) or 13 integer digits is refused with its path', () => {
    const file = (rate: string) => `
code: BOUNDS
name: bounds
category: other
currency: INR
source: { citation: test }
versions:
  - id: v1
    validFrom: '2024-01-01'
    rounding: { line: { scale: 2, mode: HALF_UP }, total: { scale: 0, mode: HALF_UP } }
    components:
      - { id: e, kind: energy, label: E, measure: kWh, slabs: [{ upTo: null, rate: ${rate} }] }
`;
    expect(parseTariffText('b.yaml', file('1e300')).problems).toEqual([
      { file: 'b.yaml', path: '$.versions[0].components[0].slabs[0].rate', reason: 'too many integer digits: a decimal with at most 12 integer digits and 20 decimal places' },
    ]);
    expect(parseTariffText('b.yaml', file('"1234567890123"')).problems[0]?.reason).toMatch(/^too many integer digits/);
    expect(parseTariffText('b.yaml', file('"6.50"')).problems).toEqual([]);
  });
});
