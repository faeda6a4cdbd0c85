import { describe, expect, it } from 'vitest';
import { chooseClosingRead, localDayOf } from '../../src/billing/read-selection.js';
import { readWindow } from '../../src/billing/cycle-calendar.js';
import { isoOfDay } from '../../src/lib/local-time.js';

const TZ = 'Asia/Kolkata';
const w = readWindow({ readDay: 5, windowDays: 2 }, '2026-10'); // 3-7 Oct, target 5 Oct 00:00 IST = 4 Oct 18:30Z
const r = (iso: string, values: Record<string, string> = { '1.8.0': '100' }) => ({ ts: Date.parse(iso), values });

describe('closing read', () => {
  it('takes the snapshot nearest the read day\'s midnight, local time', () => {
    const c = chooseClosingRead([r('2026-10-03T18:30:00Z'), r('2026-10-04T18:30:00Z'), r('2026-10-05T18:30:00Z')], w, ['1.8.0'], TZ);
    expect(c?.read.ts).toBe(Date.parse('2026-10-04T18:30:00Z'));
    expect(isoOfDay(c!.day)).toBe('2026-10-05');
    expect(c?.offsetFromTargetMs).toBe(0);
  });

  it('prefers the earlier of two equally near reads, so a re-run picks the same one', () => {
    const c = chooseClosingRead([r('2026-10-05T18:30:00Z'), r('2026-10-03T18:30:00Z')], w, ['1.8.0'], TZ);
    expect(c?.read.ts).toBe(Date.parse('2026-10-03T18:30:00Z'));
  });

  it('skips snapshots missing a needed register, and reads outside the window', () => {
    const c = chooseClosingRead([
      r('2026-10-04T18:30:00Z', { '9.8.0': '5' }),
      r('2026-10-02T18:29:59Z'), // 2 Oct 23:59:59 IST: before the window's first day
      r('2026-10-07T18:30:00Z'), // 8 Oct 00:00 IST: after the last day
      r('2026-10-07T18:29:59Z'), // 7 Oct 23:59:59 IST: inside
    ], w, ['1.8.0'], TZ);
    expect(c?.read.ts).toBe(Date.parse('2026-10-07T18:29:59Z'));
    expect(isoOfDay(c!.day)).toBe('2026-10-07');
    expect(chooseClosingRead([r('2026-10-02T18:29:59Z')], w, ['1.8.0'], TZ)).toBeUndefined();
  });

  it('counts local days in the utility zone', () => {
    expect(isoOfDay(localDayOf(TZ, Date.parse('2026-10-04T18:29:59Z')))).toBe('2026-10-04');
    expect(isoOfDay(localDayOf(TZ, Date.parse('2026-10-04T18:30:00Z')))).toBe('2026-10-05');
  });
});
