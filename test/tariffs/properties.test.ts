/**
 * Properties (fast-check): lines sum to the total; more consumption never lowers a telescopic
 * energy charge; splitting a period at any day and re-joining gives the same bill when the rates
 * do not change.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { D } from '../../src/tariffs/decimal.js';
import type { CompiledTariff } from '../../src/tariffs/engine-types.js';
import { daysFromCivil, isoOfDay } from '../../src/lib/local-time.js';
import type { TariffFileInput } from '../../src/tariffs/tariff-schema.js';
import { bill, compileInline, shipped, sumLines } from './helpers.js';

let T: Map<string, CompiledTariff>;
beforeAll(async () => { T = await shipped(); });

const kwh = fc.integer({ min: 0, max: 2_000_000 }).map((n) => (n / 1000).toFixed(3));
const START = daysFromCivil(2024, 4, 1);
const period = fc.record({ start: fc.integer({ min: 0, max: 700 }), days: fc.integer({ min: 1, max: 62 }) })
  .map(({ start, days }) => ({ from: isoOfDay(START + start), to: isoOfDay(START + start + days) }));

describe('lines sum to the total', () => {
  it('LT-DOM, any consumption and period (including revision splits)', () => {
    fc.assert(fc.property(kwh, period, fc.integer({ min: 1, max: 20 }), (e, p, load) => {
      const b = bill(T.get('LT-DOM') as CompiledTariff, { kind: 'registers', period: p, connection: { sanctionedLoad: load }, energy: { kWh: e } });
      expect(sumLines(b).toFixed()).toBe(b.total.toFixed());
    }), { numRuns: 300 });
  });

  it('HT-IND, any zone energies, MD, PF and CD', () => {
    const zone = fc.integer({ min: 0, max: 5_000_000 });
    fc.assert(fc.property(zone, zone, zone, fc.integer({ min: 70, max: 100 }), fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 50, max: 2000 }), period,
      (n, pk, op, pfPct, md, cd, p) => {
        const kVAh = n + pk + op;
        const b = bill(T.get('HT-IND') as CompiledTariff, {
          kind: 'registers', period: p, connection: { contractDemand: cd },
          energy: { kVAh: { normal: n, peak: pk, offpeak: op } }, maxDemand: { kVA: md },
          powerFactor: kVAh === 0 ? 1 : pfPct / 100,
        });
        expect(sumLines(b).toFixed()).toBe(b.total.toFixed());
      }), { numRuns: 300 });
  });
});

describe('telescopic energy charge is monotone', () => {
  it('more kWh never lowers the LT-DOM energy charge', () => {
    fc.assert(fc.property(kwh, kwh, period, (a, b, p) => {
      const [lo, hi] = new D(a).lte(b) ? [a, b] : [b, a];
      const energy = (e: string) => bill(T.get('LT-DOM') as CompiledTariff, { kind: 'registers', period: p, connection: { sanctionedLoad: 1 }, energy: { kWh: e } })
        .lines.filter((l) => l.kind === 'energy').reduce((s, l) => s.plus(l.unrounded), new D(0));
      expect(energy(hi).gte(energy(lo))).toBe(true);
    }), { numRuns: 300 });
  });
});

/**
 * Fine line rounding (12 places) so the comparison sees the arithmetic, not paisa rounding: with
 * 2-place lines a split bill has more lines and may differ by a paisa per extra line.
 */
function sameRatesTwoVersions(boundary: string | null): CompiledTariff {
  const version = {
    rounding: { line: { scale: 12, mode: 'HALF_UP' as const }, total: { scale: 12, mode: 'HALF_UP' as const } },
    components: [
      { id: 'fixed', kind: 'fixed' as const, label: 'F', basis: 'sanctioned_load' as const, per: 'month' as const, rate: 110 },
      { id: 'energy', kind: 'energy' as const, label: 'E', measure: 'kWh' as const, slabs: [{ upTo: 100, rate: 5.5 }, { upTo: 300, rate: 6 }, { upTo: null, rate: 6.5 }] },
      { id: 'sub', kind: 'subsidy' as const, label: 'S', perUnit: { measure: 'kWh' as const, rate: 0.5, upToUnits: 100 } },
      { id: 'duty', kind: 'levy' as const, label: 'D', percent: 5, base: ['fixed', 'energy'] },
    ],
  };
  const t: TariffFileInput = {
    code: 'SPLIT', name: 'split', category: 'other', currency: 'INR', timezone: 'Asia/Kolkata', source: { citation: 'test' },
    versions: boundary === null
      ? [{ id: 'one', validFrom: '2020-01-01', ...version }]
      : [
        { id: 'a', validFrom: '2020-01-01', validTo: isoOfDay(daysFromCivil(+boundary.slice(0, 4), +boundary.slice(5, 7), +boundary.slice(8)) - 1), ...version },
        { id: 'b', validFrom: boundary, ...version },
      ],
  };
  return compileInline(t);
}

describe('split and re-join', () => {
  it('a revision that changes nothing, at any day of the period, changes no amount', () => {
    const whole = sameRatesTwoVersions(null);
    fc.assert(fc.property(kwh, fc.integer({ min: 2, max: 62 }), fc.integer({ min: 1, max: 61 }), fc.integer({ min: 1, max: 10 }), (e, days, cut, load) => {
      fc.pre(cut < days);
      const from = daysFromCivil(2024, 5, 1);
      const p = { from: isoOfDay(from), to: isoOfDay(from + days) };
      const input = { kind: 'registers' as const, period: p, connection: { sanctionedLoad: load }, energy: { kWh: e } };
      const split = bill(sameRatesTwoVersions(isoOfDay(from + cut)), input);
      const one = bill(whole, input);
      expect(split.segments).toHaveLength(2);
      expect(split.total.minus(one.total).abs().lte('1e-9')).toBe(true);
    }), { numRuns: 300 });
  });
});
