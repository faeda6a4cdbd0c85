/**
 * From meter registers to a priced bill, pure: reads -> consumption x MF -> MD -> engine input
 * -> the shipped tariff's bill, checked against bills worked by hand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { periodConsumption } from '../../src/billing/consumption.js';
import { registerDemand } from '../../src/billing/max-demand.js';
import { toQuoteInput } from '../../src/billing/quote-input.js';
import { neededChannels, tariffNeeds, versionOn } from '../../src/billing/tariff-needs.js';
import type { CompiledTariff } from '../../src/tariffs/engine-types.js';
import { computeBill } from '../../src/tariffs/engine.js';
import { quoteInputSchema } from '../../src/tariffs/quote-schema.js';
import { shipped } from '../tariffs/helpers.js';

let tariffs: Map<string, CompiledTariff>;
beforeAll(async () => { tariffs = await shipped(); });
const OPEN = Date.parse('2024-05-31T18:30:00Z'); // 1 Jun 2024 00:00 IST
const CLOSE = Date.parse('2024-06-30T18:30:00Z'); // 1 Jul 2024 00:00 IST

describe('HT-IND from an HT meter (MF 100)', () => {
  it('names the registers the tariff needs: kVAh by TOD zone, kWh for PF, kVA demand', () => {
    const needs = tariffNeeds(versionOn(tariffs.get('HT-IND')!.file, '2024-06-30'));
    expect(neededChannels(needs).sort()).toEqual(['1.8.0', '9.8.0', '9.8.1', '9.8.2', '9.8.3']);
    expect(needs.demand).toBe('kVA');
    expect(needs.demandIntervalMinutes).toBe(30);
  });

  it('bills the hand-worked June 2024 bill from register reads', () => {
    // Register deltas x MF 100: kVAh normal 600 x 100 = 60000, peak 200 x 100 = 20000, off-peak
    // 200 x 100 = 20000 (total 1000 x 100 = 100000), kWh 960 x 100 = 96000 (PF 0.96), MD 5.2 kVA x 100 = 520.
    // The bill for exactly these determinants is worked by hand in test/tariffs/golden.test.ts
    // ("HT-IND: bills every component as worked by hand"): total Rs 954047.
    const file = tariffs.get('HT-IND')!;
    const needs = tariffNeeds(versionOn(file.file, '2024-06-30'));
    const opening = { ts: OPEN, values: { '1.8.0': '12000.5', '9.8.0': '13000.25', '9.8.1': '7000.25', '9.8.2': '3000', '9.8.3': '3000' } };
    const closing = { ts: CLOSE, values: { '1.8.0': '12960.5', '9.8.0': '14000.25', '9.8.1': '7600.25', '9.8.2': '3200', '9.8.3': '3200' } };
    const c = periodConsumption([{ serial: 'HT1', mf: '100', registerDigits: 7, opening, closing }], neededChannels(needs));
    expect(c.problems).toEqual([]);
    const md = registerDemand([{ ts: CLOSE, value: '5.2', occurredAt: Date.parse('2024-06-14T09:30:00Z'), resetCount: 12 }], OPEN, CLOSE, '100');
    const { input, notes } = toQuoteInput({
      period: { from: '2024-06-01', to: '2024-07-01' }, cycles: 1, energy: c.energy, maxDemand: md.value, connection: { contractDemand: '500' },
    }, needs);
    expect(notes).toEqual([]);
    expect(input.energy).toEqual({ kVAh: { normal: '60000', peak: '20000', offpeak: '20000' }, kWh: '96000' });
    const bill = computeBill(file, quoteInputSchema.parse(input));
    expect(bill.total.toFixed()).toBe('954047');
  });

  it('falls back to the total, with a note, when the meter has no zone registers', () => {
    const needs = tariffNeeds(versionOn(tariffs.get('HT-IND')!.file, '2024-06-30'));
    const { input, notes } = toQuoteInput({
      period: { from: '2024-06-01', to: '2024-07-01' }, cycles: 1,
      energy: new Map([['9.8.0', periodConsumption([{ serial: 'X', mf: '1', registerDigits: 7, opening: { ts: OPEN, values: { '9.8.0': '1' } }, closing: { ts: CLOSE, values: { '9.8.0': '101' } } }], ['9.8.0']).energy.get('9.8.0')!]]),
      connection: {},
    }, needs);
    expect(input.energy.kVAh).toBe('100');
    expect(notes).toEqual(['kVAh: no TOD zone registers for this period; billed as one total']);
  });
});

describe('LT-DOM from a single-phase meter', () => {
  it('reads only kWh and bills the hand-worked telescopic bill', () => {
    const file = tariffs.get('LT-DOM')!;
    const needs = tariffNeeds(versionOn(file.file, '2025-04-15'));
    expect(neededChannels(needs)).toEqual(['1.8.0']);
    expect(needs.demand).toBeUndefined();
    // 400 kWh over 2025-03-17 .. 2025-04-16 at 2 kW: worked by hand in test/tariffs/golden.test.ts
    // ("LT-DOM: telescopic slabs, subsidy, duty, revision split on 1 April 2025"): total Rs 2760.
    const c = periodConsumption([{ serial: 'LT1', mf: '1', registerDigits: 5, opening: { ts: Date.parse('2025-03-16T18:30:00Z'), values: { '1.8.0': '99800' } }, closing: { ts: Date.parse('2025-04-15T18:30:00Z'), values: { '1.8.0': '200' } }, wraps: { '1.8.0': 1 } }], ['1.8.0']);
    const { input } = toQuoteInput({ period: { from: '2025-03-17', to: '2025-04-16' }, cycles: 1, energy: c.energy, connection: { sanctionedLoad: '2' } }, needs);
    // a 5-digit register wrapped once: 100000 - 99800 + 200 = 400 kWh
    expect(input.energy).toEqual({ kWh: '400' });
    expect(computeBill(file, quoteInputSchema.parse(input)).total.toFixed()).toBe('2760');
  });
});
