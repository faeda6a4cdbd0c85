/**
 * Validation before a bill is issued (pure; the "V" of VEE). Each rule looks at the period's
 * determinants and the consumer's history and either passes or raises an exception with its
 * reason and the data that raised it; a `hold` exception keeps the bill for an operator to
 * resolve (approve, re-estimate, manual read, skip), a `warn` one is printed on the run report.
 *
 * Thresholds are per consumer category (billing configuration); the defaults below are ours, with
 * the reasoning beside each, in the spirit of the meter-data validation checks utilities run
 * (high/low usage against history, sum check, negative consumption, zero on an active service,
 * multiplier and demand plausibility; domain primer "VEE").
 */
import { z } from 'zod';
import { D, type Dec } from '../tariffs/decimal.js';
import type { ConsumptionProblem } from './consumption.js';
import type { PeriodDemand } from './max-demand.js';

const ratio = z.string().regex(/^\d{1,3}(\.\d{1,4})?$/, 'a decimal such as 3 or 0.25');

export const veeThresholdsSchema = z.strictObject({
  /** Daily use above 3x the consumer's own recent average: a misread digit or a wrong MF is far more likely than a tripled load. */
  highFactor: ratio.default('3'),
  /** Daily use below 0.25x the recent average: a stuck register, a bypass or a vacant premises; worth a look before billing. */
  lowFactor: ratio.default('0.25'),
  /** Ratios need history: at least 3 actual periods (a quarter) before high/low applies. */
  minHistoryPeriods: z.int().min(1).max(24).default(3),
  /** Below 1 unit a day (a vacant flat) ratios are noise: high/low is not applied. */
  minDailyUnits: ratio.default('1'),
  /** TOD zone registers must add up to the total within 0.5 % or 1 unit (register resolution and rounding of zone registers). */
  sumTolerancePercent: ratio.default('0.5'),
  sumToleranceUnits: ratio.default('1'),
  /** Interval data vs register delta: 2 % or 2 units (a few missing or estimated intervals). */
  intervalTolerancePercent: ratio.default('2'),
  intervalToleranceUnits: ratio.default('2'),
  /** Recorded MD above 150 % of sanctioned load / contract demand: a wrong MF or CT ratio more often than a real overload. */
  mdAbovePercent: ratio.default('150'),
  /** PF below 0.5 over a whole period is implausible for any supply (a swapped or dead register). */
  pfMin: ratio.default('0.5'),
  /** Zero consumption on an active connection: hold (vacant premises are approved by an operator, once). */
  holdZeroOnActive: z.boolean().default(true),
});
export type VeeThresholds = z.infer<typeof veeThresholdsSchema>;
export const DEFAULT_VEE_THRESHOLDS: VeeThresholds = veeThresholdsSchema.parse({});

export type VeeRule =
  | 'negative_consumption' | 'implausible_consumption' | 'missing_register' | 'span_order' | 'high_consumption' | 'low_consumption'
  | 'zero_consumption' | 'tod_sum_mismatch' | 'interval_sum_mismatch' | 'md_above_load' | 'md_unknown'
  | 'meter_faulty' | 'implausible_pf';

export interface VeeException {
  rule: VeeRule;
  severity: 'hold' | 'warn';
  message: string;
  data: Record<string, string | number | boolean>;
}

export interface HistoryPeriod {
  days: number;
  /** energy of the main channel (MF applied), decimal text */
  units: string;
  estimated: boolean;
}

export interface VeeInput {
  accountActive: boolean;
  /** a meter in the period is flagged faulty */
  meterFaulty: boolean;
  days: number;
  /** the billed register (1.8.0 kWh or 9.8.0 kVAh) and its period energy */
  mainChannel: string;
  energy: ReadonlyMap<string, Dec>;
  /** TOD zone registers of the main measure, e.g. 1.8.1-1.8.3 */
  zoneChannels: readonly string[];
  /** period sum of the interval channel matching the main register, when the meter has one */
  intervalSum?: Dec | undefined;
  demand?: PeriodDemand | undefined;
  /** the connection's limit in the demand's measure (sanctioned kW or contract kVA) */
  demandLimit?: Dec | undefined;
  /** kWh and kVAh of the period, when both are read */
  kWh?: Dec | undefined;
  kVAh?: Dec | undefined;
  /** recent actual periods, newest first */
  history: readonly HistoryPeriod[];
  problems: readonly ConsumptionProblem[];
}

const hold = (rule: VeeRule, message: string, data: VeeException['data']): VeeException => ({ rule, severity: 'hold', message, data });
const txt = (d: Dec) => d.toFixed();

function tolerance(reference: Dec, percent: string, units: string): Dec {
  const byPercent = reference.abs().times(percent).div(100);
  return byPercent.gt(units) ? byPercent : new D(units);
}

function historyRule(input: VeeInput, t: VeeThresholds, units: Dec): VeeException | undefined {
  const actual = input.history.filter((h) => !h.estimated && h.days > 0).slice(0, 6);
  if (actual.length < t.minHistoryPeriods) return undefined;
  const histDays = actual.reduce((a, h) => a + h.days, 0);
  const histAvg = actual.reduce((a, h) => a.plus(h.units), new D(0)).div(histDays);
  const daily = units.div(input.days);
  if (histAvg.lt(t.minDailyUnits) && daily.lt(t.minDailyUnits)) return undefined;
  const data = { dailyUnits: daily.toDecimalPlaces(3).toFixed(), historyDailyUnits: histAvg.toDecimalPlaces(3).toFixed(), historyPeriods: actual.length };
  if (daily.gt(histAvg.times(t.highFactor))) return hold('high_consumption', `${data.dailyUnits} units/day is above ${t.highFactor}x the recent average of ${data.historyDailyUnits}`, data);
  if (daily.lt(histAvg.times(t.lowFactor)) && !units.isZero()) return hold('low_consumption', `${data.dailyUnits} units/day is below ${t.lowFactor}x the recent average of ${data.historyDailyUnits}`, data);
  return undefined;
}

function sumRules(input: VeeInput, t: VeeThresholds, units: Dec): VeeException[] {
  const out: VeeException[] = [];
  const zones = input.zoneChannels.map((c) => input.energy.get(c));
  if (zones.length > 0 && zones.every((z) => z !== undefined)) {
    const sum = (zones as Dec[]).reduce((a, b) => a.plus(b), new D(0));
    if (sum.minus(units).abs().gt(tolerance(units, t.sumTolerancePercent, t.sumToleranceUnits))) {
      out.push(hold('tod_sum_mismatch', `TOD zone registers add up to ${txt(sum)} but the total register gives ${txt(units)}`, { zoneSum: txt(sum), total: txt(units) }));
    }
  }
  if (input.intervalSum !== undefined && input.intervalSum.minus(units).abs().gt(tolerance(units, t.intervalTolerancePercent, t.intervalToleranceUnits))) {
    out.push(hold('interval_sum_mismatch', `interval data adds up to ${txt(input.intervalSum)} but the register delta is ${txt(units)}`, { intervalSum: txt(input.intervalSum), registerDelta: txt(units) }));
  }
  return out;
}

function demandRules(input: VeeInput, t: VeeThresholds): VeeException[] {
  const d = input.demand;
  if (d === undefined) return [];
  if (d.value === undefined) return [hold('md_unknown', `maximum demand of the period is not known: ${d.note ?? 'no data'}`, { note: d.note ?? '' })];
  const out: VeeException[] = [];
  if (d.note?.startsWith('partial')) out.push(hold('md_unknown', d.note, { md: txt(d.value) }));
  if (input.demandLimit !== undefined && input.demandLimit.gt(0) && d.value.gt(input.demandLimit.times(t.mdAbovePercent).div(100))) {
    out.push(hold('md_above_load', `recorded MD ${txt(d.value)} is above ${t.mdAbovePercent} % of the connection's ${txt(input.demandLimit)}`, { md: txt(d.value), limit: txt(input.demandLimit) }));
  }
  return out;
}

function pfRule(input: VeeInput, t: VeeThresholds): VeeException | undefined {
  if (input.kWh === undefined || input.kVAh === undefined || input.kVAh.isZero()) return undefined;
  if (input.kWh.gt(input.kVAh)) {
    return hold('implausible_pf', `kWh ${txt(input.kWh)} exceeds kVAh ${txt(input.kVAh)}: a power factor above 1 is impossible`, { kWh: txt(input.kWh), kVAh: txt(input.kVAh) });
  }
  const pf = input.kWh.div(input.kVAh);
  if (pf.lt(t.pfMin)) return hold('implausible_pf', `power factor ${pf.toDecimalPlaces(3).toFixed()} over the period is below ${t.pfMin}`, { pf: pf.toDecimalPlaces(4).toFixed() });
  return undefined;
}

/** Every exception the period raises (empty: the bill may be issued). */
export function validatePeriod(input: VeeInput, t: VeeThresholds = DEFAULT_VEE_THRESHOLDS): VeeException[] {
  const out: VeeException[] = input.problems.map((p) => hold(p.kind, p.message, p.data));
  if (input.meterFaulty) out.push(hold('meter_faulty', 'a meter of the period is flagged faulty', {}));
  const units = input.energy.get(input.mainChannel);
  if (units !== undefined) {
    if (units.isZero() && input.accountActive && t.holdZeroOnActive) out.push(hold('zero_consumption', 'zero consumption on an active connection', { days: input.days }));
    const h = historyRule(input, t, units);
    if (h) out.push(h);
    out.push(...sumRules(input, t, units));
  }
  out.push(...demandRules(input, t));
  const pf = pfRule(input, t);
  if (pf) out.push(pf);
  return out;
}
