/**
 * The one time-zone module. Expected values are worked out by hand from the published rules:
 * Asia/Kolkata is UTC+05:30 all year (no DST since 1945); Europe/London is GMT, and BST (UTC+1)
 * from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October
 * (2025: 30 March, 26 October); America/Santiago began DST on 8 Sep 2024 at local midnight
 * (00:00 −04 → 01:00 −03, so that day has no midnight) and ended it on 7 Apr 2024 at 00:00 −03
 * (back to 23:00 −04 on the 6th, so 23:00–24:00 happens twice).
 */
import { describe, expect, it } from 'vitest';
import { daysFromCivil, isValidTimeZone, localParts, offsetMs, utcOfLocalMidnight } from '../../src/lib/local-time.js';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const day = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000;

describe('offsetMs', () => {
  it.each([
    ['Asia/Kolkata', '2025-01-15T00:00:00Z', 5.5 * H],
    ['Asia/Kolkata', '2025-07-15T12:34:56Z', 5.5 * H],
    ['Europe/London', '2025-01-15T12:00:00Z', 0],
    ['Europe/London', '2025-07-15T12:00:00Z', H],
    ['Europe/London', '2025-03-30T00:59:59Z', 0], // the last second of GMT
    ['Europe/London', '2025-03-30T01:00:00Z', H], // the first of BST
    ['Europe/London', '2025-03-30T01:14:00Z', H],
    ['Europe/London', '2025-10-26T00:59:59Z', H],
    ['Europe/London', '2025-10-26T01:00:00Z', 0],
    ['UTC', '2025-07-15T12:00:00Z', 0],
  ])('%s at %s is %d ms', (tz, iso, expected) => {
    expect(offsetMs(tz, at(iso))).toBe(expected);
  });
});

describe('localParts', () => {
  it.each([
    // 18:30Z on the 14th is 00:00 on Wednesday 15 Jan in India.
    ['Asia/Kolkata', '2025-01-14T18:30:00Z', { year: 2025, month: 1, day: 15, weekday: 3, hour: 0 }],
    ['Asia/Kolkata', '2025-01-15T12:45:30Z', { year: 2025, month: 1, day: 15, weekday: 3, hour: 18 + 15 / 60 + 30 / 3600 }],
    // 31 Dec 2024 20:00Z is already 1 Jan 2025 (a Wednesday) 01:30 in India.
    ['Asia/Kolkata', '2024-12-31T20:00:00Z', { year: 2025, month: 1, day: 1, weekday: 3, hour: 1.5 }],
    // Sunday 30 March 2025: 00:30 GMT, then 02:30 BST an hour later (01:00–02:00 local does not exist).
    ['Europe/London', '2025-03-30T00:30:00Z', { year: 2025, month: 3, day: 30, weekday: 0, hour: 0.5 }],
    ['Europe/London', '2025-03-30T01:30:00Z', { year: 2025, month: 3, day: 30, weekday: 0, hour: 2.5 }],
    // Sunday 26 October 2025: 01:30 happens twice, in BST then in GMT.
    ['Europe/London', '2025-10-26T00:30:00Z', { year: 2025, month: 10, day: 26, weekday: 0, hour: 1.5 }],
    ['Europe/London', '2025-10-26T01:30:00Z', { year: 2025, month: 10, day: 26, weekday: 0, hour: 1.5 }],
    // 23:30Z on 30 June is 00:30 on Tuesday 1 July in summer time.
    ['Europe/London', '2025-06-30T23:30:00Z', { year: 2025, month: 7, day: 1, weekday: 2, hour: 0.5 }],
  ])('%s at %s', (tz, iso, expected) => {
    const p = localParts(tz, at(iso));
    expect({ year: p.year, month: p.month, day: p.day, weekday: p.weekday }).toEqual({ year: expected.year, month: expected.month, day: expected.day, weekday: expected.weekday });
    expect(p.hour).toBeCloseTo(expected.hour, 12);
    expect(p.dayNumber).toBe(day(`${expected.year}-${String(expected.month).padStart(2, '0')}-${String(expected.day).padStart(2, '0')}`));
  });
});

describe('utcOfLocalMidnight', () => {
  it.each([
    ['Asia/Kolkata', '2025-01-15', '2025-01-14T18:30:00.000Z'],
    ['Asia/Kolkata', '2000-01-01', '1999-12-31T18:30:00.000Z'], // the readings date_bin origin
    ['Europe/London', '2025-01-15', '2025-01-15T00:00:00.000Z'],
    ['Europe/London', '2025-07-01', '2025-06-30T23:00:00.000Z'],
    ['Europe/London', '2025-03-30', '2025-03-30T00:00:00.000Z'], // the switch is later that night
    ['Europe/London', '2025-03-31', '2025-03-30T23:00:00.000Z'],
    ['Europe/London', '2025-10-26', '2025-10-25T23:00:00.000Z'],
    ['Europe/London', '2025-10-27', '2025-10-27T00:00:00.000Z'],
    // No midnight on 8 Sep 2024 in Santiago: the day begins at 01:00 −03, the moment of the switch.
    ['America/Santiago', '2024-09-08', '2024-09-08T04:00:00.000Z'],
    ['America/Santiago', '2024-09-09', '2024-09-09T03:00:00.000Z'],
    // 7 Apr 2024 begins at its (only) midnight, 00:00 −04, after the repeated hour of the 6th.
    ['America/Santiago', '2024-04-07', '2024-04-07T04:00:00.000Z'],
    ['America/Santiago', '2024-04-06', '2024-04-06T03:00:00.000Z'],
  ])('%s %s starts at %s', (tz, date, expected) => {
    expect(new Date(utcOfLocalMidnight(tz, daysFromCivil(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))))).toISOString()).toBe(expected);
  });
});

describe('isValidTimeZone', () => {
  it.each([
    ['Asia/Kolkata', true],
    ['Europe/London', true],
    ['UTC', true],
    ['Asia/Calcutta', true], // the old name is an alias in the IANA database
    ['Mars/Olympus_Mons', false],
    ['', false],
  ])('%s → %s', (tz, ok) => {
    expect(isValidTimeZone(tz)).toBe(ok);
  });
});
