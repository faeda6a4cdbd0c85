/**
 * URDB monthly minimum charge (issue 8 #20): a rate with energy and a minimum charge only was
 * refused (compareWith named fixed and demand charges the rate does not have). SAM utilityrate5:
 * when fixed + energy + demand charges of the month fall short of the minimum, the bill is the
 * minimum.
 */
import { describe, expect, it } from 'vitest';
import { computeBill } from '../../src/tariffs/engine.js';
import { quoteInputSchema } from '../../src/tariffs/quote-schema.js';
import { compileTariff } from '../../src/tariffs/tariff-catalog.js';
import { importUrdb } from '../../src/tariffs/urdb/import-urdb.js';

const zeros = Array.from({ length: 12 }, () => Array.from({ length: 24 }, () => 0));
const energyOnly = {
  name: 'Energy and minimum', utility: 'Test',
  energyratestructure: [[{ rate: 0.1 }]], energyweekdayschedule: zeros, energyweekendschedule: zeros,
  mincharge: 20, minchargeunits: '$/month',
};

/** January 2018 (31 days = 744 hours), the same energy every hour. */
function january(rate: object, kWhPerHour: string) {
  const tariff = compileTariff(importUrdb(rate, { code: 'URDB-MIN', timezone: 'UTC', validFrom: '2018-01-01' }));
  return computeBill(tariff, quoteInputSchema.parse({
    kind: 'intervals', period: { from: '2018-01-01', to: '2018-02-01' }, intervalMinutes: 60,
    series: { firstEnd: '2018-01-01T01:00:00Z', kWh: Array.from({ length: 744 }, () => kWhPerHour) },
  }));
}
const amounts = (b: ReturnType<typeof january>) => b.lines.map((l) => [l.ruleId, l.amount.toFixed(2)]);

describe('URDB monthly minimum charge', () => {
  it('energy + minimum: 744 h x 0.2 kWh = 148.8 kWh x 0.10 = 14.88, topped up by 5.12 to 20.00', () => {
    const b = january(energyOnly, '0.2');
    expect(amounts(b)).toEqual([['energy', '14.88'], ['minimum', '5.12']]);
    expect(b.total.toFixed(2)).toBe('20.00');
    expect(b.lines[1]?.inputs).toMatchObject({ minimum: '20', charged: '14.88', compared: 'energy' });
  });

  it('energy + minimum: 744 h x 0.5 kWh = 372 kWh x 0.10 = 37.20, above the minimum: no top-up', () => {
    const b = january(energyOnly, '0.5');
    expect(amounts(b)).toEqual([['energy', '37.20']]);
    expect(b.total.toFixed(2)).toBe('37.20');
  });

  it('fixed + energy + minimum: 5.00 + 14.88 = 19.88, topped up by 0.12', () => {
    const b = january({ ...energyOnly, fixedchargefirstmeter: 5, fixedchargeunits: '$/month' }, '0.2');
    expect(amounts(b)).toEqual([['fixed', '5.00'], ['energy', '14.88'], ['minimum', '0.12']]);
    expect(b.total.toFixed(2)).toBe('20.00');
  });

  it('a minimum with no other charge is the bill: 20.00', () => {
    const { name, mincharge, minchargeunits } = energyOnly;
    const b = january({ name, mincharge, minchargeunits }, '0.2');
    expect(amounts(b)).toEqual([['minimum', '20.00']]);
    expect(b.total.toFixed(2)).toBe('20.00');
  });
});
