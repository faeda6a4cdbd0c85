/**
 * A TOU + demand tariff that both meterbill and @bellawatt/electric-rate-engine can express,
 * written once for each, plus deterministic hourly load profiles. Used by the side-by-side test
 * (test/tariffs/peer-comparison.test.ts) and the benchmark (bench/tariffs.ts).
 *
 * The peer lays out hours with dayjs in the process's local zone: run it with TZ=UTC (the
 * meterbill tariff below uses UTC too) so both see the same 8760 hours.
 */
import type { TariffFileInput } from '../src/tariffs/tariff-schema.js';
import { createRng } from '../src/lib/prng.js';

export const YEAR = 2019; // 365 days
const SUMMER = [6, 7, 8, 9];
const WINTER = [1, 2, 3, 4, 5, 10, 11, 12];
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

export const meterbillTouDemand: TariffFileInput = {
  code: 'PEER-TOU-DEMAND',
  name: 'TOU energy, tiered surcharge, monthly and on-peak demand, 5 % tax',
  category: 'other',
  currency: 'USD',
  timezone: 'UTC',
  source: { citation: 'test tariff for the side-by-side comparison' },
  versions: [{
    id: 'v1',
    validFrom: '2019-01-01',
    // The peer does not round; 6-place lines keep the comparison about arithmetic.
    rounding: { line: { scale: 6, mode: 'HALF_EVEN' }, total: { scale: 6, mode: 'HALF_EVEN' } },
    schedules: {
      tou: {
        type: 'rules', zones: ['summer_off', 'summer_peak', 'winter_off', 'winter_peak'], default: 'winter_off',
        rules: [
          { zone: 'summer_peak', months: SUMMER, days: ['weekday'], hours: [{ from: 16, to: 21 }] },
          { zone: 'summer_off', months: SUMMER, hours: [{ from: 0, to: 24 }] },
          { zone: 'winter_peak', months: WINTER, days: ['weekday'], hours: [{ from: 17, to: 20 }] },
        ],
      },
      onpeak: {
        type: 'rules', zones: ['other', 'on'], default: 'other',
        rules: [{ zone: 'on', months: SUMMER, days: ['weekday'], hours: [{ from: 16, to: 21 }] }],
      },
    },
    billingDemand: { measure: 'kW' },
    components: [
      { id: 'fixed', kind: 'fixed', label: 'Customer charge', basis: 'connection', per: 'month', rate: '12.50' },
      {
        id: 'energy', kind: 'energy', label: 'TOU energy', measure: 'kWh', schedule: 'tou', slabs: [{ upTo: null, rate: '0.10' }],
        zoneRates: { summer_off: ['0.12'], summer_peak: ['0.32'], winter_off: ['0.10'], winter_peak: ['0.22'] },
      },
      { id: 'tier', kind: 'energy', label: 'Usage above 500 kWh', measure: 'kWh', slabs: [{ upTo: 500, rate: 0 }, { upTo: null, rate: '0.02' }] },
      { id: 'demand', kind: 'demand', label: 'Monthly demand', basis: 'billing_demand', tiers: [{ upTo: null, rate: '8.25' }] },
      { id: 'demand-on', kind: 'demand', label: 'On-peak demand', basis: 'zone_peak', measure: 'kW', schedule: 'onpeak', zones: { on: { tiers: [{ upTo: null, rate: '4.10' }] } } },
      { id: 'tax', kind: 'levy', label: 'Tax 5 %', percent: 5, base: ['fixed', 'energy', 'tier', 'demand', 'demand-on'] },
    ],
  }],
};

const M0 = (months: number[]) => months.map((m) => m - 1);
const WEEKDAYS = [1, 2, 3, 4, 5];
const WEEKEND = [0, 6];

/** The same rate in the peer's format (months 0-based, days 0 = Sunday, hourStarts). */
export const peerTouDemand = {
  name: 'PEER-TOU-DEMAND',
  title: 'TOU energy, tiered surcharge, monthly and on-peak demand, 5 % tax',
  rateElements: [
    { rateElementType: 'FixedPerMonth', name: 'Customer charge', rateComponents: [{ charge: 12.5, name: 'Customer charge' }] },
    {
      rateElementType: 'EnergyTimeOfUse', name: 'TOU energy', rateComponents: [
        { charge: 0.32, name: 'summer peak', months: M0(SUMMER), daysOfWeek: WEEKDAYS, hourStarts: range(16, 21) },
        { charge: 0.12, name: 'summer off wd', months: M0(SUMMER), daysOfWeek: WEEKDAYS, hourStarts: [...range(0, 16), ...range(21, 24)] },
        { charge: 0.12, name: 'summer off we', months: M0(SUMMER), daysOfWeek: WEEKEND, hourStarts: range(0, 24) },
        { charge: 0.22, name: 'winter peak', months: M0(WINTER), daysOfWeek: WEEKDAYS, hourStarts: range(17, 20) },
        { charge: 0.10, name: 'winter off wd', months: M0(WINTER), daysOfWeek: WEEKDAYS, hourStarts: [...range(0, 17), ...range(20, 24)] },
        { charge: 0.10, name: 'winter off we', months: M0(WINTER), daysOfWeek: WEEKEND, hourStarts: range(0, 24) },
      ],
    },
    {
      rateElementType: 'BlockedTiersInMonths', name: 'Usage above 500 kWh', rateComponents: [
        { charge: 0, name: 'first 500', min: Array(12).fill(0), max: Array(12).fill(500) },
        { charge: 0.02, name: 'above 500', min: Array(12).fill(500), max: Array(12).fill('Infinity') },
      ],
    },
    { rateElementType: 'Demand', name: 'Monthly demand', demandPeriod: 'monthly', rateComponents: [{ charge: 8.25, name: 'Monthly demand' }] },
    {
      rateElementType: 'Demand', name: 'On-peak demand', demandPeriod: 'monthly',
      rateComponents: [{ charge: 4.1, name: 'On-peak demand', months: M0(SUMMER), daysOfWeek: WEEKDAYS, hourStarts: range(16, 21) }],
    },
    { rateElementType: 'SurchargeAsPercent', name: 'Tax 5 %', rateComponents: [{ charge: 0.05, name: 'Tax 5 %' }] },
  ],
};

/** Deterministic PRNG (mulberry32) so the profiles are the same on every run. */
function rng(seed: number): () => number {
  const g = createRng(seed);
  return () => g.next();
}

/** 8760 hourly kW (= kWh) with 3 decimals: a base, a daily shape, a summer bump, noise, spikes. */
export function loadProfile(seed: number): number[] {
  const r = rng(seed);
  const base = 0.3 + r() * 40;
  const peakiness = r() * 2;
  return Array.from({ length: 8760 }, (_, i) => {
    const h = i % 24;
    const day = Math.floor(i / 24);
    const summer = day >= 151 && day < 273 ? 1 + r() * 0.6 : 1;
    const shape = 1 + peakiness * Math.max(0, Math.sin(((h - 6) / 24) * 2 * Math.PI));
    const spike = r() < 0.002 ? 3 + r() * 5 : 1;
    return Math.round(base * shape * summer * spike * (0.7 + r() * 0.6) * 1000) / 1000;
  });
}
