/**
 * Maximum demand of a bill period (pure).
 *
 * From the MD register (1.6.0 kW, 9.6.0 kVA): each snapshot carries "the highest demand since the
 * last MD reset", the instant it occurred, and the meter's reset counter (0.1.0). A meter resets
 * its MD on its own billing date, which need not be the cycle's read day, so a period can see two
 * reset groups. Per reset group the last snapshot inside the period holds that group's maximum so
 * far; it belongs to this period only if the maximum occurred inside the period (a maximum that
 * occurred before the opening read was the previous period's). The period's MD is the largest
 * such value. When every group's maximum occurred before the period (the only snapshots are
 * early in a group that began last period), the MD is unknown rather than guessed: the caller
 * holds the bill or falls back to interval data.
 *
 * From interval data (meters without an MD register): demand of an interval = its energy x
 * 60 / interval minutes, at the tariff's integration period; the largest interval in the period.
 *
 * Both are multiplied by the meter's MF, like energy.
 */
import { D, type Dec } from '../tariffs/decimal.js';

export interface DemandSnapshot {
  /** epoch ms of the snapshot */
  ts: number;
  /** MD since last reset, decimal text */
  value: string;
  /** epoch ms at which that maximum occurred */
  occurredAt: number;
  /** MD reset count at the snapshot, when the meter reports it */
  resetCount?: number | undefined;
}

export interface PeriodDemand {
  /** MD x MF, or undefined when the period's maximum is not known */
  value: Dec | undefined;
  occurredAt: number | undefined;
  /** reset groups seen in the period (a meter's own MD reset inside the period makes two) */
  groups: number;
  /** why `value` is undefined, or a note about how it was found */
  note: string | undefined;
}

/** MD of (openTs, closeTs] from MD-register snapshots of one meter. */
export function registerDemand(snapshots: readonly DemandSnapshot[], openTs: number, closeTs: number, mf: string): PeriodDemand {
  const inPeriod = snapshots.filter((s) => s.ts > openTs && s.ts <= closeTs).sort((a, b) => a.ts - b.ts);
  if (inPeriod.length === 0) return { value: undefined, occurredAt: undefined, groups: 0, note: 'no MD snapshot in the period' };
  // last snapshot of each reset group; without a counter, a drop in value marks a reset
  const lastOfGroup = new Map<string, DemandSnapshot>();
  let group = 0;
  let prev: DemandSnapshot | undefined;
  for (const s of inPeriod) {
    const reset = prev !== undefined && (s.resetCount !== undefined && prev.resetCount !== undefined ? s.resetCount !== prev.resetCount : new D(s.value).lt(prev.value));
    if (reset) group++;
    lastOfGroup.set(String(group), s);
    prev = s;
  }
  let best: DemandSnapshot | undefined;
  for (const s of lastOfGroup.values()) {
    if (s.occurredAt <= openTs || s.occurredAt > closeTs) continue;
    if (best === undefined || new D(s.value).gt(best.value)) best = s;
  }
  if (best === undefined) {
    return { value: undefined, occurredAt: undefined, groups: lastOfGroup.size, note: 'the recorded maxima occurred before the opening read' };
  }
  return { value: new D(best.value).times(mf), occurredAt: best.occurredAt, groups: lastOfGroup.size, note: undefined };
}

export interface IntervalEnergy {
  /** interval END, epoch ms */
  end: number;
  /** energy in the interval, decimal text */
  value: string;
}

/** MD of (openTs, closeTs] from interval energy of `intervalMinutes` (kWh -> kW, kVAh -> kVA). */
export function intervalDemand(intervals: readonly IntervalEnergy[], intervalMinutes: number, openTs: number, closeTs: number, mf: string): PeriodDemand {
  let best: IntervalEnergy | undefined;
  for (const i of intervals) {
    if (i.end <= openTs || i.end > closeTs) continue;
    if (best === undefined || new D(i.value).gt(best.value)) best = i;
  }
  if (best === undefined) return { value: undefined, occurredAt: undefined, groups: 0, note: 'no interval data in the period' };
  const perHour = new D(60).div(intervalMinutes);
  return { value: new D(best.value).times(perHour).times(mf), occurredAt: best.end, groups: 1, note: undefined };
}

/**
 * A period with several meter spans: the larger demand (each already x its MF). When one span's MD
 * is unknown the known one is only a lower bound of the period's MD: it is kept, with a note saying
 * so, for the validation rules to hold the bill.
 */
export function largerDemand(a: PeriodDemand, b: PeriodDemand): PeriodDemand {
  if (a.value === undefined && b.value === undefined) return { ...a, groups: a.groups + b.groups, note: a.note ?? b.note };
  if (a.value === undefined || b.value === undefined) {
    const known = (a.value === undefined ? b : a);
    const unknown = (a.value === undefined ? a : b);
    return { ...known, note: `partial: one meter's MD is unknown (${unknown.note ?? 'no data'}); the period's MD may be higher` };
  }
  return b.value.gt(a.value) ? b : a;
}
