/**
 * Billing demand (src/tariffs/billing-demand.ts) on its own, every value worked by hand:
 * BD = max(recorded x current-month %, floor % x CD, minimum, ratchet = max over the previous
 * 1..lookback months of that month's peak x that calendar month's %). Month index = year*12 + month-1.
 */
import { describe, expect, it } from 'vitest';
import { billingDemand, type PreviousDemand } from '../../src/tariffs/billing-demand.js';
import { dec } from '../../src/tariffs/decimal.js';
import type { BillingDemandRule } from '../../src/tariffs/tariff-schema.js';
import { ValidationError } from '../../src/lib/errors.js';

const JUNE_2024 = 2024 * 12 + 5;
const prev = (monthIndex: number, value: number): PreviousDemand => ({ monthIndex, value: dec(value) });
const flat = (pct: number) => Array<number>(12).fill(pct);

function bd(rule: Partial<BillingDemandRule>, peak: number | undefined, previous: PreviousDemand[] = [], contractDemand?: number) {
  const r = billingDemand({ measure: 'kVA', ...rule } as BillingDemandRule, {
    peak: peak === undefined ? undefined : dec(peak),
    contractDemand: contractDemand === undefined ? undefined : dec(contractDemand),
    monthIndex: JUNE_2024,
    previous,
  });
  return { value: r.value.toFixed(), chosen: r.chosen, candidates: r.candidates, measure: r.measure };
}

describe('billing demand', () => {
  it('is the recorded peak when there is nothing else', () => {
    expect(bd({}, 432.5)).toEqual({ value: '432.5', chosen: 'recorded', candidates: { recorded: '432.5' }, measure: 'kVA' });
  });

  it('applies the current calendar month\'s percent to the recorded peak (June = index 5)', () => {
    const pct = [10, 20, 30, 40, 50, 80, 70, 60, 90, 100, 100, 100];
    expect(bd({ currentPeakPercentByMonth: pct }, 400)).toMatchObject({ value: '320', chosen: 'recorded' }); // 400 x 80 %
  });

  it('floor: 75 % of CD 500 = 375 beats MD 300, loses to MD 400; needs a contract demand', () => {
    expect(bd({ floorPercentOfContractDemand: 75 }, 300, [], 500)).toEqual({
      value: '375', chosen: 'floor', candidates: { recorded: '300', floor: '375' }, measure: 'kVA',
    });
    expect(bd({ floorPercentOfContractDemand: 75 }, 400, [], 500)).toMatchObject({ value: '400', chosen: 'recorded' });
    expect(() => bd({ floorPercentOfContractDemand: 75 }, 300)).toThrow(ValidationError);
    expect(() => bd({ floorPercentOfContractDemand: 75 }, 300)).toThrow('billing demand floor needs connection.contractDemand');
  });

  it('a tie keeps the first candidate (recorded before floor before minimum)', () => {
    expect(bd({ floorPercentOfContractDemand: 50 }, 250, [], 500)).toMatchObject({ value: '250', chosen: 'recorded' });
    expect(bd({ floorPercentOfContractDemand: 50, minimum: 250 }, 100, [], 500)).toMatchObject({ value: '250', chosen: 'floor' });
  });

  it('minimum: a billing demand never below it', () => {
    expect(bd({ minimum: '60.5' }, 40)).toEqual({ value: '60.5', chosen: 'minimum', candidates: { recorded: '40', minimum: '60.5' }, measure: 'kVA' });
  });

  it('refuses a quote without the recorded peak, naming the measure', () => {
    expect(() => bd({}, undefined)).toThrow('billing demand needs the recorded maximum demand (kVA)');
  });

  describe('ratchet over the previous months', () => {
    const rule = { ratchet: { lookbackMonths: 11, percentByMonth: flat(80) } };
    it('counts a month exactly lookback months back, not one beyond, not the current or a later one', () => {
      // 11 back: July 2023, 1000 x 80 % = 800; 12 back (June 2023) 5000, the bill month 4000 and
      // July 2024 3000 do not count
      const previous = [prev(JUNE_2024 - 12, 5000), prev(JUNE_2024 - 11, 1000), prev(JUNE_2024, 4000), prev(JUNE_2024 + 1, 3000)];
      expect(bd(rule, 500, previous)).toEqual({
        value: '800', chosen: 'ratchet', candidates: { recorded: '500', ratchet: '800' }, measure: 'kVA',
      });
    });
    it('counts the month just before the bill month', () => {
      expect(bd(rule, 500, [prev(JUNE_2024 - 1, 700)])).toMatchObject({ value: '560', chosen: 'ratchet' }); // 700 x 80 %
    });
    it('takes the highest of the months, in whatever order they come', () => {
      const a = [prev(JUNE_2024 - 2, 900), prev(JUNE_2024 - 3, 700), prev(JUNE_2024 - 4, 800)];
      expect(bd(rule, 100, a)).toMatchObject({ value: '720' }); // 900 x 80 %
      expect(bd(rule, 100, [...a].reverse())).toMatchObject({ value: '720' });
    });
    it('applies the percent of the earlier month\'s calendar month', () => {
      // July (index 6) at 50 %, March (index 2) at 90 %, others 10 %:
      // July 2023 1000 x 50 % = 500; March 2024 600 x 90 % = 540 -> 540
      const pct = [10, 10, 90, 10, 10, 10, 50, 10, 10, 10, 10, 10];
      const r = bd({ ratchet: { lookbackMonths: 11, percentByMonth: pct } }, 100, [prev(2023 * 12 + 6, 1000), prev(2024 * 12 + 2, 600)]);
      expect(r).toMatchObject({ value: '540', chosen: 'ratchet', candidates: { recorded: '100', ratchet: '540' } });
    });
    it('adds no ratchet candidate when no month is in the look-back', () => {
      expect(bd(rule, 500, [prev(JUNE_2024 - 12, 9000)])).toEqual({ value: '500', chosen: 'recorded', candidates: { recorded: '500' }, measure: 'kVA' });
    });
  });
});
