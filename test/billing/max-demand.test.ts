import { describe, expect, it } from 'vitest';
import { intervalDemand, largerDemand, registerDemand, type DemandSnapshot } from '../../src/billing/max-demand.js';

const t = (s: string) => Date.parse(s);
const OPEN = t('2026-09-04T18:30:00Z'); // 5 Sep 00:00 IST
const CLOSE = t('2026-10-04T18:30:00Z'); // 5 Oct 00:00 IST
const snap = (ts: string, value: string, at: string, resetCount?: number): DemandSnapshot => ({ ts: t(ts), value, occurredAt: t(at), resetCount });

describe('MD from the MD register', () => {
  it('takes the last snapshot of the period when the meter did not reset inside it', () => {
    const d = registerDemand([
      snap('2026-09-10T00:00:00Z', '180', '2026-09-08T10:00:00Z', 7),
      snap('2026-09-25T00:00:00Z', '212.5', '2026-09-21T11:30:00Z', 7),
      snap('2026-10-04T18:30:00Z', '212.5', '2026-09-21T11:30:00Z', 7),
    ], OPEN, CLOSE, '1');
    expect(d.value?.toFixed()).toBe('212.5');
    expect(d.groups).toBe(1);
  });

  it('uses the reset counter: a meter resetting on the 1st splits the period into two groups, the larger wins', () => {
    const d = registerDemand([
      snap('2026-09-30T18:00:00Z', '240', '2026-09-12T09:00:00Z', 7), // last before the 1 Oct reset: the max since 5 Sep... and since 1 Sep
      snap('2026-10-01T00:00:00Z', '30', '2026-09-30T18:45:00Z', 8), // after the reset
      snap('2026-10-04T18:30:00Z', '195', '2026-10-03T10:00:00Z', 8),
    ], OPEN, CLOSE, '1');
    expect(d.value?.toFixed()).toBe('240');
    expect(d.groups).toBe(2);
  });

  it('ignores a group maximum that occurred before the opening read (the previous period\'s)', () => {
    const d = registerDemand([
      snap('2026-09-30T18:00:00Z', '300', '2026-09-02T09:00:00Z', 7), // occurred 2 Sep: before 5 Sep
      snap('2026-10-04T18:30:00Z', '190', '2026-10-02T10:00:00Z', 8),
    ], OPEN, CLOSE, '1');
    expect(d.value?.toFixed()).toBe('190');
  });

  it('is unknown, not guessed, when every maximum seen occurred before the period', () => {
    const d = registerDemand([snap('2026-09-10T00:00:00Z', '300', '2026-09-02T09:00:00Z', 7)], OPEN, CLOSE, '1');
    expect(d.value).toBeUndefined();
    expect(d.note).toMatch(/before the opening read/);
    expect(registerDemand([], OPEN, CLOSE, '1').note).toMatch(/no MD snapshot/);
  });

  it('tells a reset by a drop in value when the meter reports no counter', () => {
    const d = registerDemand([
      snap('2026-09-30T18:00:00Z', '150', '2026-09-12T09:00:00Z'),
      snap('2026-10-04T18:30:00Z', '170', '2026-10-03T10:00:00Z'), // rose: same group, this is the max
    ], OPEN, CLOSE, '1');
    expect(d.value?.toFixed()).toBe('170');
    expect(d.groups).toBe(1);
    const reset = registerDemand([
      snap('2026-09-30T18:00:00Z', '150', '2026-09-12T09:00:00Z'),
      snap('2026-10-04T18:30:00Z', '40', '2026-10-03T10:00:00Z'), // dropped: a reset happened
    ], OPEN, CLOSE, '1');
    expect(reset.value?.toFixed()).toBe('150');
    expect(reset.groups).toBe(2);
  });

  it('leaves out snapshots outside (open, close] and applies the MF', () => {
    const d = registerDemand([
      snap('2026-09-04T18:30:00Z', '999', '2026-09-04T10:00:00Z', 6), // at the opening instant: previous period
      snap('2026-10-04T18:30:00Z', '0.105', '2026-09-21T11:30:00Z', 7),
      snap('2026-10-05T00:00:00Z', '999', '2026-10-04T20:00:00Z', 7), // after the close
    ], OPEN, CLOSE, '2000');
    expect(d.value?.toFixed()).toBe('210'); // 0.105 x 2000
  });
});

describe('MD from interval data', () => {
  it('is the largest interval energy x 60 / interval minutes x MF', () => {
    const d = intervalDemand([
      { end: t('2026-09-10T10:30:00Z'), value: '51.25' },
      { end: t('2026-09-10T11:00:00Z'), value: '62.5' },
      { end: t('2026-10-04T19:00:00Z'), value: '99' }, // after the close
    ], 30, OPEN, CLOSE, '1');
    expect(d.value?.toFixed()).toBe('125'); // 62.5 kVAh in 30 min = 125 kVA
    expect(d.occurredAt).toBe(t('2026-09-10T11:00:00Z'));
    expect(intervalDemand([{ end: t('2026-09-10T10:15:00Z'), value: '10' }], 15, OPEN, CLOSE, '2').value?.toFixed()).toBe('80');
    expect(intervalDemand([], 30, OPEN, CLOSE, '1').value).toBeUndefined();
  });
});

describe('two meters in a period', () => {
  it('keeps the larger MD, and marks a partial one when a meter\'s MD is unknown', () => {
    const a = registerDemand([snap('2026-09-20T00:00:00Z', '100', '2026-09-15T00:00:00Z', 1)], OPEN, CLOSE, '1');
    const b = registerDemand([snap('2026-10-04T18:30:00Z', '120', '2026-10-01T00:00:00Z', 1)], OPEN, CLOSE, '1');
    expect(largerDemand(a, b).value?.toFixed()).toBe('120');
    expect(largerDemand(b, a).value?.toFixed()).toBe('120');
    const none = registerDemand([], OPEN, CLOSE, '1');
    const partial = largerDemand(a, none);
    expect(partial.value?.toFixed()).toBe('100');
    expect(partial.note).toMatch(/^partial/);
    expect(largerDemand(none, none).value).toBeUndefined();
  });
});
