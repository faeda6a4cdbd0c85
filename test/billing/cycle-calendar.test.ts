import { describe, expect, it } from 'vitest';
import { billPeriod, cycleCalendarSchema, dueDay, financialYear, parsePeriod, readWindow } from '../../src/billing/cycle-calendar.js';
import { dayOf, isoOfDay } from '../../src/lib/local-time.js';

const cal = cycleCalendarSchema.parse({ group: 'LKO-1', readDay: 5, windowDays: 2, dueDays: { default: 15, byCategory: { ht_industrial: 10 } }, billSeries: 'LKO1' });

describe('cycle calendar', () => {
  it('puts the read window around the read day of the billing month', () => {
    const w = readWindow(cal, '2026-10');
    expect(isoOfDay(w.readDay)).toBe('2026-10-05');
    expect(isoOfDay(w.firstDay)).toBe('2026-10-03');
    expect(isoOfDay(w.lastDay)).toBe('2026-10-07');
  });

  it('crosses a year end inside the window', () => {
    const w = readWindow({ readDay: 1, windowDays: 2 }, '2027-01');
    expect(isoOfDay(w.firstDay)).toBe('2026-12-30');
    expect(isoOfDay(w.lastDay)).toBe('2027-01-03');
  });

  it('bills [opening read day, closing read day): 5 Sep to 5 Oct is 30 days', () => {
    expect(billPeriod(dayOf('2026-09-05'), dayOf('2026-10-05'))).toEqual({ from: '2026-09-05', to: '2026-10-05', days: 30 });
    // a late read: 5 Sep to 7 Oct is 32 days, never silently a 30-day month
    expect(billPeriod(dayOf('2026-09-05'), dayOf('2026-10-07')).days).toBe(32);
    // February 2028 (leap year): 5 Feb to 5 Mar is 29 days
    expect(billPeriod(dayOf('2028-02-05'), dayOf('2028-03-05')).days).toBe(29);
  });

  it('refuses a closing read on or before the opening read', () => {
    expect(() => billPeriod(dayOf('2026-10-05'), dayOf('2026-10-05'))).toThrow(/must be after/);
    expect(() => billPeriod(dayOf('2026-10-05'), dayOf('2026-10-01'))).toThrow(/must be after/);
  });

  it('gives the due date by category, else the default', () => {
    const bill = dayOf('2026-10-06');
    expect(isoOfDay(dueDay(cal, 'lt_domestic', bill))).toBe('2026-10-21');
    expect(isoOfDay(dueDay(cal, 'ht_industrial', bill))).toBe('2026-10-16');
  });

  it('names the Indian financial year (April to March)', () => {
    expect(financialYear(dayOf('2026-03-31'))).toBe('2025-26');
    expect(financialYear(dayOf('2026-04-01'))).toBe('2026-27');
    expect(financialYear(dayOf('2099-12-31'))).toBe('2099-00');
  });

  it('refuses bad calendars and period labels', () => {
    expect(() => parsePeriod('2026-13')).toThrow(/YYYY-MM/);
    expect(() => parsePeriod('2026-1')).toThrow(/YYYY-MM/);
    expect(parsePeriod('2026-01')).toEqual({ y: 2026, m: 1 });
    expect(cycleCalendarSchema.safeParse({ ...cal, readDay: 29 }).success).toBe(false);
    expect(cycleCalendarSchema.safeParse({ ...cal, readDay: 0 }).success).toBe(false);
    expect(cycleCalendarSchema.safeParse({ ...cal, windowDays: 8 }).success).toBe(false);
    expect(cycleCalendarSchema.safeParse({ ...cal, billSeries: 'lko 1' }).success).toBe(false);
    expect(cycleCalendarSchema.safeParse({ ...cal, extra: 1 }).success).toBe(false);
  });
});
