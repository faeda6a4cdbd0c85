import { describe, expect, it } from 'vitest';
import { D } from '../../src/tariffs/decimal.js';
import { estimate, trueUp } from '../../src/billing/estimation.js';
import { dayOf } from '../../src/lib/local-time.js';

const p = (from: string, to: string, energy: Record<string, string>) => ({ fromDay: dayOf(from), toDay: dayOf(to), energy });
const period = { fromDay: dayOf('2026-10-05'), toDay: dayOf('2026-11-05'), channels: ['1.8.0'] }; // 31 days

describe('estimation', () => {
  it('average_daily: the recent actual periods\' daily use x days, whole units', () => {
    const e = estimate({ ...period, history: [
      p('2026-09-05', '2026-10-05', { '1.8.0': '300' }), // 30 days
      p('2026-08-05', '2026-09-05', { '1.8.0': '341' }), // 31 days
      p('2026-07-05', '2026-08-05', { '1.8.0': '279' }), // 31 days
      p('2026-06-05', '2026-07-05', { '1.8.0': '9999' }), // a fourth, older one: not used
    ] });
    // (300 + 341 + 279) / 92 days x 31 = 920 / 92 x 31 = 310
    expect(e?.method).toBe('average_daily');
    expect(e?.energy.get('1.8.0')?.toFixed()).toBe('310');
    expect(e?.basis).toEqual({ periods: 3, historyDays: 92 });
  });

  it('rounds half up to whole units', () => {
    // 100 / 20 days x 31 = 155; 101 / 20 x 31 = 156.55 -> 157; 99 / 20 x 31 = 153.45 -> 153
    const one = (units: string) => estimate({ ...period, history: [p('2026-09-15', '2026-10-05', { '1.8.0': units })] })?.energy.get('1.8.0')?.toFixed();
    expect(one('100')).toBe('155');
    expect(one('101')).toBe('157');
    expect(one('99')).toBe('153');
    // 10 / 4 days x 31 = 77.5 -> 78 (a tie goes up)
    expect(estimate({ ...period, history: [p('2026-10-01', '2026-10-05', { '1.8.0': '10' })] })?.energy.get('1.8.0')?.toFixed()).toBe('78');
  });

  it('estimates each TOD zone from its own history', () => {
    const e = estimate({ ...period, channels: ['1.8.0', '1.8.1', '1.8.2'], history: [p('2026-09-04', '2026-10-05', { '1.8.0': '620', '1.8.1': '465', '1.8.2': '155' })] });
    // 31 days of history, 31 days to estimate: the same units
    expect([...e!.energy].map(([c, v]) => [c, v.toFixed()])).toEqual([['1.8.0', '620'], ['1.8.1', '465'], ['1.8.2', '155']]);
  });

  it('same_period_last_year when there is no recent history, weighted by overlap', () => {
    const e = estimate({ ...period, history: [
      // last year's window is 2025-10-05 .. 2025-11-04 (365 days earlier)
      p('2025-09-20', '2025-10-20', { '1.8.0': '450' }), // 30 days, 15 overlapping: 225 units over 15 days
      p('2025-10-20', '2025-11-19', { '1.8.0': '600' }), // 30 days, 16 overlapping: 320 units over 16 days
    ] });
    // (225 + 320) / 31 x 31 = 545
    expect(e?.method).toBe('same_period_last_year');
    expect(e?.energy.get('1.8.0')?.toFixed()).toBe('545');
    expect(e?.basis).toEqual({ periods: 2, overlapDays: 31 });
  });

  it('norm when there is no history at all: load x units per kW per day x days', () => {
    const e = estimate({ ...period, history: [], sanctionedLoadKw: '2.5', normUnitsPerKwDay: '2.4' });
    // 2.5 x 2.4 x 31 = 186
    expect(e?.method).toBe('norm');
    expect(e?.energy.get('1.8.0')?.toFixed()).toBe('186');
    expect(estimate({ ...period, history: [] })).toBeUndefined();
  });

  it('ignores history older than six months for the recent average', () => {
    // ends 2026-04-04, 184 days before 2026-10-05: too old to be recent, and not last year's season either
    const e = estimate({ ...period, history: [p('2026-03-05', '2026-04-04', { '1.8.0': '310' })], sanctionedLoadKw: '1', normUnitsPerKwDay: '1' });
    expect(e?.method).toBe('norm');
    // ends 2026-04-05, 183 days before: recent
    expect(estimate({ ...period, history: [p('2026-03-06', '2026-04-05', { '1.8.0': '300' })] })?.method).toBe('average_daily');
  });
});

describe('truing up', () => {
  it('bills the actual energy less the units already estimated; a negative difference is a credit', () => {
    const t = trueUp(new Map([['1.8.0', new D('640')]]), [new Map([['1.8.0', new D('310')]]), new Map([['1.8.0', new D('300')]])]);
    expect(t.alreadyBilled.get('1.8.0')?.toFixed()).toBe('610');
    expect(t.difference.get('1.8.0')?.toFixed()).toBe('30');
    const over = trueUp(new Map([['1.8.0', new D('500')]]), [new Map([['1.8.0', new D('610')]])]);
    expect(over.difference.get('1.8.0')?.toFixed()).toBe('-110');
  });
});
