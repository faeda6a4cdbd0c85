/**
 * Estimated consumption when a cycle has no valid read (pure; the "E" of VEE). Methods, in the
 * order tried:
 *  1. average_daily: the average daily use of the consumer's most recent actual periods (up to
 *     three, all ending within the last six months) x this period's days — older history says
 *     more about the season than about the consumer's current use;
 *  2. same_period_last_year: the daily use of the actual periods overlapping the same dates a
 *     year earlier (weighted by overlapping days) x days — for a consumer whose recent reads are
 *     missing but who has a seasonal history;
 *  3. norm: the category's norm in units per kW of sanctioned load per day x load x days — for a
 *     new connection with no history at all.
 * Each channel (total and TOD zones) is estimated by the same method, so zone shares follow the
 * consumer's own history. Estimated units are rounded to whole units, half up (ESTIMATE_ROUNDING):
 * a meter shows whole units and an estimate claims no more precision than that. The next actual
 * read trues the estimate up (trueUp).
 */
import { D, ZERO, type Dec } from '../tariffs/decimal.js';

export const ESTIMATE_ROUNDING = { scale: 0, mode: D.ROUND_HALF_UP } as const;
const YEAR_DAYS = 365;
/** 'recent' = ending within 183 days (six months) before the period starts */
const RECENT_DAYS = 183;
const MAX_RECENT = 3;

export interface ActualPeriod {
  /** local day numbers [fromDay, toDay) */
  fromDay: number;
  toDay: number;
  /** channel -> energy (MF applied), decimal text */
  energy: Readonly<Record<string, string>>;
}

export interface EstimationInput {
  fromDay: number;
  toDay: number;
  channels: readonly string[];
  /** actual (read, not estimated) periods, any order */
  history: readonly ActualPeriod[];
  /** sanctioned load (kW) and the category's norm (units per kW per day), for method 3 */
  sanctionedLoadKw?: string | undefined;
  normUnitsPerKwDay?: string | undefined;
}

export type EstimationMethod = 'average_daily' | 'same_period_last_year' | 'norm';

export interface Estimate {
  method: EstimationMethod;
  energy: Map<string, Dec>;
  /** what the estimate rests on, for the bill and the exception report */
  basis: Record<string, string | number>;
}

const roundUnits = (d: Dec) => d.toDecimalPlaces(ESTIMATE_ROUNDING.scale, ESTIMATE_ROUNDING.mode);

function scaleDaily(periods: readonly { weight: Dec; days: number; energy: Readonly<Record<string, string>> }[], channels: readonly string[], days: number): Map<string, Dec> | undefined {
  const totalDays = periods.reduce((a, p) => a.plus(p.weight.times(p.days)), ZERO);
  if (totalDays.isZero()) return undefined;
  const out = new Map<string, Dec>();
  for (const c of channels) {
    if (periods.some((p) => p.energy[c] === undefined)) continue;
    const units = periods.reduce((a, p) => a.plus(new D(p.energy[c] as string).times(p.weight)), ZERO);
    out.set(c, roundUnits(units.div(totalDays).times(days)));
  }
  return out.size === 0 ? undefined : out;
}

function averageDaily(input: EstimationInput, days: number): Estimate | undefined {
  const recent = input.history
    .filter((p) => p.toDay <= input.fromDay && p.toDay >= input.fromDay - RECENT_DAYS && p.toDay > p.fromDay)
    .sort((a, b) => b.toDay - a.toDay)
    .slice(0, MAX_RECENT);
  if (recent.length === 0) return undefined;
  const energy = scaleDaily(recent.map((p) => ({ weight: new D(1), days: p.toDay - p.fromDay, energy: p.energy })), input.channels, days);
  if (!energy) return undefined;
  return { method: 'average_daily', energy, basis: { periods: recent.length, historyDays: recent.reduce((a, p) => a + p.toDay - p.fromDay, 0) } };
}

function samePeriodLastYear(input: EstimationInput, days: number): Estimate | undefined {
  const from = input.fromDay - YEAR_DAYS;
  const to = input.toDay - YEAR_DAYS;
  const parts = input.history
    .map((p) => ({ p, overlap: Math.min(p.toDay, to) - Math.max(p.fromDay, from) }))
    .filter((x) => x.overlap > 0 && x.p.toDay > x.p.fromDay);
  if (parts.length === 0) return undefined;
  // a period contributes its energy x (overlap / its days) over `overlap` days
  const weighted = parts.map(({ p, overlap }) => ({ weight: new D(overlap).div(p.toDay - p.fromDay), days: p.toDay - p.fromDay, energy: p.energy }));
  const energy = scaleDaily(weighted, input.channels, days);
  if (!energy) return undefined;
  return { method: 'same_period_last_year', energy, basis: { periods: parts.length, overlapDays: parts.reduce((a, x) => a + x.overlap, 0) } };
}

function norm(input: EstimationInput, days: number): Estimate | undefined {
  if (input.sanctionedLoadKw === undefined || input.normUnitsPerKwDay === undefined) return undefined;
  const units = roundUnits(new D(input.sanctionedLoadKw).times(input.normUnitsPerKwDay).times(days));
  const main = input.channels[0];
  if (main === undefined) return undefined;
  return { method: 'norm', energy: new Map([[main, units]]), basis: { sanctionedLoadKw: input.sanctionedLoadKw, normUnitsPerKwDay: input.normUnitsPerKwDay, days } };
}

/** The first method that can estimate the period, or undefined (no history and no norm: the account fails with its reason). */
export function estimate(input: EstimationInput): Estimate | undefined {
  const days = input.toDay - input.fromDay;
  if (days <= 0) return undefined;
  return averageDaily(input, days) ?? samePeriodLastYear(input, days) ?? norm(input, days);
}

export interface TrueUp {
  /** units already billed on the estimated bills since the last actual read, per channel */
  alreadyBilled: Map<string, Dec>;
  /** actual - already billed: what this bill adds (negative: over-estimated, credited) */
  difference: Map<string, Dec>;
}

/**
 * Truing up at the next actual read: the actual energy of the combined period (last actual read
 * to this read) against the units the estimated bills in between already billed.
 */
export function trueUp(actual: ReadonlyMap<string, Dec>, estimatedBills: readonly ReadonlyMap<string, Dec>[]): TrueUp {
  const alreadyBilled = new Map<string, Dec>();
  const difference = new Map<string, Dec>();
  for (const [c, units] of actual) {
    const billed = estimatedBills.reduce((a, b) => a.plus(b.get(c) ?? ZERO), ZERO);
    alreadyBilled.set(c, billed);
    difference.set(c, units.minus(billed));
  }
  return { alreadyBilled, difference };
}
