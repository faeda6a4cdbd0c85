/**
 * TOD schedules compiled to a lookup table: month (0-11) x day type x hour -> zone index.
 * Compiled once per tariff version and cached with it (see tariff-catalog.ts).
 */
import type { Schedule } from './tariff-schema.js';
import { weekdayOfDay } from '../lib/local-time.js';

export const WEEKDAY = 0;
export const WEEKEND = 1;
export const HOLIDAY = 2;
const DAY_TYPES = ['weekday', 'weekend', 'holiday'] as const;

export interface CompiledSchedule {
  id: string;
  zones: readonly string[];
  /** index = (month0 * 3 + dayType) * 24 + hour */
  table: Uint8Array;
}

export function compileSchedule(id: string, s: Schedule): CompiledSchedule {
  const table = new Uint8Array(12 * 3 * 24);
  for (let m = 0; m < 12; m++) {
    for (let t = 0; t < 3; t++) {
      for (let h = 0; h < 24; h++) table[(m * 3 + t) * 24 + h] = zoneFor(s, m, t, h);
    }
  }
  return { id, zones: s.zones, table };
}

function zoneFor(s: Schedule, m: number, t: number, h: number): number {
  if (s.type === 'matrix') {
    const useWeekend = t === WEEKEND || (t === HOLIDAY && s.holiday === 'weekend');
    return (useWeekend ? s.weekend : s.weekday)[m]?.[h] ?? 0;
  }
  const dayType = DAY_TYPES[t] ?? 'weekday';
  const rule = s.rules.find((r) =>
    (r.months === undefined || r.months.includes(m + 1)) &&
    (r.days === undefined || r.days.includes(dayType)) &&
    r.hours.some(({ from, to }) => (from < to ? h >= from && h < to : h >= from || h < to)));
  return s.zones.indexOf(rule ? rule.zone : s.default);
}

export interface DayCalendar {
  weekendDays: ReadonlySet<number>;
  holidays: ReadonlySet<number>;
}

export function dayTypeOf(day: number, cal: DayCalendar): number {
  if (cal.holidays.has(day)) return HOLIDAY;
  return cal.weekendDays.has(weekdayOfDay(day)) ? WEEKEND : WEEKDAY;
}
