/**
 * Billing calendar (pure): when a cycle group is read, the window a read may fall in, the bill
 * period it closes and the due date. The calendar itself is data (cycle_groups, set through REST
 * and the CLI); this module only does its date arithmetic, in local day numbers of the utility's
 * zone (days since 1970-01-01, see tariffs/local-time.ts).
 *
 * Period convention: a bill period runs from the opening read's local day (inclusive) to the
 * closing read's local day (exclusive), so consecutive bills tile the calendar with no day billed
 * twice or never: a consumer read on 5 Sep and 5 Oct is billed for 5 Sep - 4 Oct, 30 days.
 */
import { z } from 'zod';
import { ValidationError } from '../lib/errors.js';
import { civilFromDays, daysFromCivil, isoOfDay } from '../lib/local-time.js';

/**
 * Read days are 1-28 so that every month has one (a 29th-31st read day would silently move in
 * February); a read window of up to 7 days either side covers a field team's usual slack
 * (the domain primer's example is +/- 2 days).
 */
export const cycleCalendarSchema = z.strictObject({
  group: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, '1-32 letters, digits, _ or -'),
  readDay: z.int().min(1).max(28).describe('day of the month the group is read (1-28)'),
  windowDays: z.int().min(0).max(7).describe('a read up to this many days either side of the read day counts'),
  dueDays: z.strictObject({
    default: z.int().min(1).max(60),
    byCategory: z.record(z.string().regex(/^[a-z_]{1,32}$/), z.int().min(1).max(60)).default({}),
  }).describe('days from the bill date to its due date, per consumer category'),
  billSeries: z.string().regex(/^[A-Z0-9-]{1,16}$/, '1-16 capitals, digits or -').describe('bill number series prefix (e.g. a division code)'),
});
export type CycleCalendar = z.infer<typeof cycleCalendarSchema>;

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** 'YYYY-MM' -> { y, m }; a bad label is a ValidationError naming it. */
export function parsePeriod(period: string): { y: number; m: number } {
  const match = PERIOD.exec(period);
  if (!match) throw new ValidationError(`billing period must be YYYY-MM, got '${period}'`, { period });
  return { y: Number(match[1]), m: Number(match[2]) };
}

export interface ReadWindow {
  /** the scheduled read day */
  readDay: number;
  /** first and last local day (both inclusive) on which a read counts as this cycle's */
  firstDay: number;
  lastDay: number;
}

/** The cycle's scheduled read day and its tolerance window for billing month `period`. */
export function readWindow(cal: Pick<CycleCalendar, 'readDay' | 'windowDays'>, period: string): ReadWindow {
  const { y, m } = parsePeriod(period);
  const readDay = daysFromCivil(y, m, cal.readDay);
  return { readDay, firstDay: readDay - cal.windowDays, lastDay: readDay + cal.windowDays };
}

/** Local ISO dates of the bill period [opening read day, closing read day). */
export function billPeriod(openingDay: number, closingDay: number): { from: string; to: string; days: number } {
  if (closingDay <= openingDay) {
    throw new ValidationError(`the closing read (${isoOfDay(closingDay)}) must be after the opening read (${isoOfDay(openingDay)})`);
  }
  return { from: isoOfDay(openingDay), to: isoOfDay(closingDay), days: closingDay - openingDay };
}

/** Due date: bill day + the category's due days (or the group's default). */
export function dueDay(cal: Pick<CycleCalendar, 'dueDays'>, category: string, billDay: number): number {
  return billDay + (cal.dueDays.byCategory[category] ?? cal.dueDays.default);
}

/** Indian financial year of a day, April-March: 2026-10-05 -> '2026-27'. Bill numbers restart per year. */
export function financialYear(day: number): string {
  const { y, m } = civilFromDays(day);
  const start = m >= 4 ? y : y - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
}
