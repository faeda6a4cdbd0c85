/**
 * Calendar-month billing of a long interval series (a year of AMR data, a SAM/URDB study):
 * one bill per calendar month in the period, the series parsed once, and each month's recorded
 * peak handed to later months as ratchet history (as NREL SAM utilityrate5 does). Pure.
 */
import { D, type Dec } from './decimal.js';
import type { Bill, CompiledTariff } from './engine-types.js';
import { computeBill } from './engine.js';
import { parseSeries } from './interval-aggregate.js';
import { civilFromDays, dayOf, daysFromCivil, isoOfDay } from '../lib/local-time.js';
import type { IntervalInput } from './quote-schema.js';

export interface MonthlyBills {
  bills: Bill[];
  total: Dec;
}

export function computeMonthlyBills(t: CompiledTariff, input: IntervalInput): MonthlyBills {
  const series = parseSeries(input, t.file.timezone);
  const toDay = dayOf(input.period.to);
  const previous = [...input.previousDemands];
  const bills: Bill[] = [];
  let from = dayOf(input.period.from);
  while (from < toDay) {
    const { y, m } = civilFromDays(from);
    const to = Math.min(toDay, daysFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1));
    const bill = computeBill(t, { ...input, period: { from: isoOfDay(from), to: isoOfDay(to) }, previousDemands: [...previous] }, series);
    bills.push(bill);
    const peak = bill.segments[0]?.determinants.recordedPeak;
    if (typeof peak === 'string') previous.push({ month: `${y}-${String(m).padStart(2, '0')}`, value: peak });
    from = to;
  }
  return { bills, total: bills.reduce((s, b) => s.plus(b.total), new D(0)) };
}
