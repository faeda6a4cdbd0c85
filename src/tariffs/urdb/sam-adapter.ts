/**
 * NREL SAM utilityrate5 inputs (as its tests set them) -> a URDB rate record, so SAM cases go
 * through exactly the path a user's URDB download takes (importUrdb). SAM matrices are 1-based
 * periods; URDB is 0-based. Billing-demand inputs go to the sam_billing_demand extension.
 */
import { ValidationError } from '../../lib/errors.js';
import type { UrdbRate, UrdbTier } from './urdb-schema.js';

type Row = number[];
const UNITS = ['kWh', 'kWh/kW', 'kWh daily', 'kWh/kW daily'];

function group(rows: Row[], keyCol: number): Map<number, Row[]> {
  const m = new Map<number, Row[]>();
  for (const r of rows) m.set(r[keyCol] as number, [...(m.get(r[keyCol] as number) ?? []), r]);
  return m;
}

function structure(rows: Row[], tierOf: (r: Row) => UrdbTier, zeroBased: boolean): UrdbTier[][] {
  const byPeriod = group(rows, 0);
  const keys = [...byPeriod.keys()].sort((a, b) => a - b);
  return keys.map((k, i) => {
    if (k !== (zeroBased ? i : i + 1)) throw new ValidationError(`SAM matrix: period ${k} out of sequence`);
    return (byPeriod.get(k) ?? []).sort((a, b) => (a[1] as number) - (b[1] as number)).map(tierOf);
  });
}

const maxOf = (v: number): { max?: number } => (v >= 1e37 ? {} : { max: v });
const zeroBase = (m: Row[]): number[][] => m.map((row) => row.map((p) => p - 1));

export function samInputsToUrdb(raw: Record<string, unknown>, name = 'SAM utilityrate5 case'): UrdbRate {
  const num = (k: string): number => Number(raw[k] ?? 0);
  const mat = (k: string): Row[] => (raw[k] as Row[] | undefined) ?? [];
  if (num('ur_annual_min_charge') !== 0) throw new ValidationError('annual minimum charges are not supported');
  const rate: UrdbRate = {
    name,
    energyratestructure: structure(mat('ur_ec_tou_mat'), (r) => ({ ...maxOf(r[2] as number), unit: UNITS[r[3] as number] ?? 'kWh', rate: r[4] as number }), false),
    energyweekdayschedule: zeroBase(mat('ur_ec_sched_weekday')),
    energyweekendschedule: zeroBase(mat('ur_ec_sched_weekend')),
    fixedchargefirstmeter: num('ur_monthly_fixed_charge'),
    fixedchargeunits: '$/month',
    mincharge: num('ur_monthly_min_charge'),
    minchargeunits: '$/month',
  };
  if (num('ur_dc_enable') === 1) {
    const demandTier = (r: Row): UrdbTier => ({ ...maxOf(r[2] as number), rate: r[3] as number });
    rate.demandratestructure = structure(mat('ur_dc_tou_mat'), demandTier, false);
    rate.demandweekdayschedule = zeroBase(mat('ur_dc_sched_weekday'));
    rate.demandweekendschedule = zeroBase(mat('ur_dc_sched_weekend'));
    rate.flatdemandstructure = structure(mat('ur_dc_flat_mat'), demandTier, true);
    rate.flatdemandmonths = Array.from({ length: 12 }, (_, m) => m);
    rate.demandunits = 'kW';
  }
  if (num('ur_enable_billing_demand') === 1) {
    rate.sam_billing_demand = {
      ur_billing_demand_minimum: num('ur_billing_demand_minimum'),
      ur_billing_demand_lookback_period: num('ur_billing_demand_lookback_period'),
      ur_billing_demand_lookback_percentages: mat('ur_billing_demand_lookback_percentages') as [number, number][],
      ur_dc_billing_demand_periods: mat('ur_dc_billing_demand_periods') as [number, number][],
    };
  }
  return rate;
}
