/**
 * NREL SAM utilityrate5's own test cases (test/fixtures/sam, with provenance and licence in its README), billed through
 * the path a user's URDB tariff takes: SAM inputs -> URDB record (samInputsToUrdb) -> importUrdb
 * -> YAML tariff file text -> loader parse/validation -> engine with an hourly interval series.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { samInputsToUrdb } from '../../src/tariffs/urdb/sam-adapter.js';
import { importUrdb } from '../../src/tariffs/urdb/import-urdb.js';
import { parseTariffText } from '../../src/tariffs/tariff-parse.js';
import { toTariffYaml } from '../../src/tariffs/tariff-yaml.js';
import { compileTariff } from '../../src/tariffs/tariff-catalog.js';
import { computeMonthlyBills } from '../../src/tariffs/monthly.js';
import { intervalInputSchema } from '../../src/tariffs/quote-schema.js';

const DIR = new URL('../fixtures/sam/', import.meta.url);
interface Vector {
  load_kw_hourly: number[];
  sam_inputs_raw: Record<string, unknown>;
  expected: { asserted_by_source: { what: string; value: number; tolerance: number }[] };
}
const load = (name: string): Vector => JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as Vector;

function billYear(v: Vector) {
  const urdb = samInputsToUrdb(v.sam_inputs_raw);
  // 2018: 365 days and 1 January is a Monday, the calendar SAM assumes. UTC: SAM has no DST.
  const file = importUrdb(urdb, { code: 'SAM-CASE', timezone: 'UTC', validFrom: '2018-01-01' });
  const parsed = parseTariffText('sam-case.yaml', toTariffYaml(file));
  expect(parsed.problems).toEqual([]);
  const tariff = compileTariff(parsed.tariff as NonNullable<typeof parsed.tariff>);
  const input = intervalInputSchema.parse({
    kind: 'intervals',
    period: { from: '2018-01-01', to: '2019-01-01' },
    intervalMinutes: 60,
    series: { firstEnd: '2018-01-01T01:00:00Z', kWh: v.load_kw_hourly },
  });
  return computeMonthlyBills(tariff, input);
}

describe('SAM utilityrate5 vectors through URDB import', () => {
  it('commercial_demand_charges: annual bill 104614.5 ± 0.1', () => {
    const v = load('commercial_demand_charges.json');
    const { total, bills } = billYear(v);
    expect(bills).toHaveLength(12);
    const a = v.expected.asserted_by_source[0];
    expect(Math.abs(total.toNumber() - (a?.value ?? NaN))).toBeLessThanOrEqual(a?.tolerance ?? 0);
  });

  it('residential_tou_rates: annual bill 771.8 ± 0.1', () => {
    const v = load('residential_tou_rates.json');
    const { total } = billYear(v);
    const a = v.expected.asserted_by_source[0];
    expect(Math.abs(total.toNumber() - (a?.value ?? NaN))).toBeLessThanOrEqual(a?.tolerance ?? 0);
  });

  it('commercial kWh/kW tiers with billing-demand ratchet: July bill, billing demand and tier energies', () => {
    const v = load('commercial_kwh_per_kw_billing_demand_ratchet.json');
    const { bills } = billYear(v);
    const july = bills[6];
    if (!july) throw new Error('no July bill');
    const near = (what: string, got: number) => {
      const a = v.expected.asserted_by_source.find((x) => x.what === what);
      if (!a) throw new Error(`no assertion ${what}`);
      expect(Math.abs(got - a.value), what).toBeLessThanOrEqual(a.tolerance);
    };
    near('month_total:7', july.total.toNumber());
    const bd = july.segments[0]?.determinants.billingDemand as { value: string };
    near('billing_demand_kw:7', Number(bd.value));
    // tier energies: sum over zones of the energy lines per resolved slab
    const perSlab = new Map<number, number>();
    for (const l of july.lines) if (l.kind === 'energy') perSlab.set(l.slab ?? 0, (perSlab.get(l.slab ?? 0) ?? 0) + Number(l.inputs.kWh));
    [1, 2, 3, 4, 5].forEach((i) => near(`energy_kwh_by_resolved_tier:7:${i}`, perSlab.get(i) ?? 0));
  });
});
