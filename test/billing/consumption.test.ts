import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countWraps, periodConsumption, spanEnergy, type ConsumptionProblem, type MeterSpan } from '../../src/billing/consumption.js';

const T0 = Date.parse('2026-09-04T18:30:00Z'); // 5 Sep 00:00 IST
const T1 = Date.parse('2026-10-04T18:30:00Z'); // 5 Oct 00:00 IST
const TM = Date.parse('2026-09-20T06:30:00Z'); // replacement, 20 Sep 12:00 IST

const span = (over: Partial<MeterSpan> = {}): MeterSpan => ({
  serial: 'M1', mf: '1', registerDigits: 6,
  opening: { ts: T0, values: { '1.8.0': '1200.5' } },
  closing: { ts: T1, values: { '1.8.0': '1452.25' } },
  ...over,
});

describe('period consumption from registers', () => {
  it('is the register delta for one meter with MF 1', () => {
    const c = periodConsumption([span()], ['1.8.0']);
    expect(c.problems).toEqual([]);
    expect(c.energy.get('1.8.0')?.toFixed()).toBe('251.75'); // 1452.25 - 1200.5
  });

  it('multiplies the delta by the MF (HT: CT 100/5 x PT 11000/110 = 2000)', () => {
    const c = periodConsumption([span({ mf: '2000', opening: { ts: T0, values: { '9.8.0': '10.125' } }, closing: { ts: T1, values: { '9.8.0': '41.5' } } })], ['9.8.0']);
    // (41.5 - 10.125) x 2000 = 31.375 x 2000 = 62750
    expect(c.energy.get('9.8.0')?.toFixed()).toBe('62750');
    expect(c.spans[0]?.registerDelta.get('9.8.0')?.toFixed()).toBe('31.375');
  });

  it('adds 10^digits per declared wrap', () => {
    // 6-digit register: 999950.0 -> 000120.5 is 1,000,000 - 999,950 + 120.5 = 170.5
    const s = span({ opening: { ts: T0, values: { '1.8.0': '999950.0' } }, closing: { ts: T1, values: { '1.8.0': '120.5' } }, wraps: { '1.8.0': 1 } });
    expect(periodConsumption([s], ['1.8.0']).energy.get('1.8.0')?.toFixed()).toBe('170.5');
  });

  it('reports a decrease without a declared rollover instead of billing it', () => {
    const s = span({ closing: { ts: T1, values: { '1.8.0': '1100' } } });
    const c = periodConsumption([s], ['1.8.0']);
    expect(c.energy.has('1.8.0')).toBe(false);
    expect(c.problems.map((p) => p.kind)).toEqual(['negative_consumption']);
    expect(c.problems[0]?.data).toMatchObject({ opening: '1200.5', closing: '1100', wraps: 0 });
  });

  it('holds a delta of half the register capacity or more (a decrease taken for a wrap, a misread digit)', () => {
    // 6 digits: 500 -> 400 with a counted wrap would be 999,900 kWh
    const wrapped = periodConsumption([span({ opening: { ts: T0, values: { '1.8.0': '500' } }, closing: { ts: T1, values: { '1.8.0': '400' } }, wraps: { '1.8.0': 1 } })], ['1.8.0']);
    expect(wrapped.problems.map((p) => p.kind)).toEqual(['implausible_consumption']);
    expect(wrapped.energy.has('1.8.0')).toBe(false);
    // exactly half (500,000) is held; one unit less is billed
    const half = (close: string) => periodConsumption([span({ opening: { ts: T0, values: { '1.8.0': '0' } }, closing: { ts: T1, values: { '1.8.0': close } } })], ['1.8.0']);
    expect(half('500000').problems.map((p) => p.kind)).toEqual(['implausible_consumption']);
    expect(half('499999.999').energy.get('1.8.0')?.toFixed()).toBe('499999.999');
  });

  it('reports a register missing at either end', () => {
    const s = span({ closing: { ts: T1, values: { '9.8.0': '1' } } });
    const problems: ConsumptionProblem[] = [];
    spanEnergy(s, ['1.8.0'], problems);
    expect(problems).toMatchObject([{ kind: 'missing_register', channel: '1.8.0', data: { end: 'closing' } }]);
  });

  it('sums a meter replacement: old meter to its final read, new meter from its initial read', () => {
    const old = span({ closing: { ts: TM, values: { '1.8.0': '1330.5' } } }); // 130 kWh on the old meter
    const fresh: MeterSpan = { serial: 'M2', mf: '1', registerDigits: 6, opening: { ts: TM, values: { '1.8.0': '0.8' } }, closing: { ts: T1, values: { '1.8.0': '125.05' } } }; // 124.25
    const c = periodConsumption([old, fresh], ['1.8.0']);
    expect(c.problems).toEqual([]);
    expect(c.energy.get('1.8.0')?.toFixed()).toBe('254.25'); // 130 + 124.25
    expect(c.spans.map((s) => s.energy.get('1.8.0')?.toFixed())).toEqual(['130', '124.25']);
  });

  it('sums spans with different MFs (a CT change): each delta x its own MF', () => {
    const a = span({ mf: '40', closing: { ts: TM, values: { '1.8.0': '1210.5' } } }); // 10 x 40 = 400
    const b: MeterSpan = { serial: 'M2', mf: '80', registerDigits: 6, opening: { ts: TM, values: { '1.8.0': '5' } }, closing: { ts: T1, values: { '1.8.0': '7.5' } } }; // 2.5 x 80 = 200
    expect(periodConsumption([a, b], ['1.8.0']).energy.get('1.8.0')?.toFixed()).toBe('600');
  });

  it('reports overlapping spans and spans that end before they start', () => {
    const a = span({ closing: { ts: TM, values: { '1.8.0': '1300' } } });
    const b: MeterSpan = { ...span({ serial: 'M2' }), opening: { ts: TM - 1000, values: { '1.8.0': '0' } } };
    expect(periodConsumption([a, b], ['1.8.0']).problems.map((p) => p.kind)).toEqual(['span_order']);
    expect(periodConsumption([span({ closing: { ts: T0, values: { '1.8.0': '1300' } } })], ['1.8.0']).problems.map((p) => p.kind)).toEqual(['span_order']);
  });

  it('leaves a channel out of the period when any span lacks it', () => {
    const a = span({ opening: { ts: T0, values: { '1.8.0': '1', '9.8.0': '1' } }, closing: { ts: TM, values: { '1.8.0': '2', '9.8.0': '3' } } });
    const b: MeterSpan = { serial: 'M2', mf: '1', registerDigits: 6, opening: { ts: TM, values: { '1.8.0': '0' } }, closing: { ts: T1, values: { '1.8.0': '4' } } };
    const c = periodConsumption([a, b], ['1.8.0', '9.8.0']);
    expect(c.energy.get('1.8.0')?.toFixed()).toBe('5');
    expect(c.energy.has('9.8.0')).toBe(false);
  });

  it('counts wraps as decreases in a stored sequence', () => {
    expect(countWraps(['999990', '999999.5', '3', '10', '999999', '1'])).toBe(2);
    expect(countWraps(['1', '1', '2'])).toBe(0);
    expect(countWraps([])).toBe(0);
  });
});

describe('properties', () => {
  const digits = 6;
  const CAP = 10 ** digits;
  // a register path: increments in thousandths, with wraps modulo 10^6; at most 480,000 units in
  // all, under half the capacity (a larger delta is held as implausible)
  const path = fc.record({ start: fc.integer({ min: 0, max: CAP * 1000 - 1 }), steps: fc.array(fc.integer({ min: 0, max: 40_000_000 }), { minLength: 2, maxLength: 12 }) });
  const reg = (milli: number) => ((milli % (CAP * 1000)) / 1000).toFixed(3);

  it('splitting a period at any of its reads never changes the total energy', () => {
    fc.assert(fc.property(path, fc.nat(), ({ start, steps }, cut) => {
      const milli = [start];
      for (const s of steps) milli.push((milli[milli.length - 1] as number) + s);
      const reads = milli.map((m, i) => ({ ts: T0 + i * 3_600_000, values: { '1.8.0': reg(m) } }));
      const wrapsBetween = (a: number, b: number) => countWraps(reads.slice(a, b + 1).map((r) => r.values['1.8.0']));
      const last = reads.length - 1;
      const k = 1 + (cut % (last - 1 || 1));
      const whole = periodConsumption([{ serial: 'M', mf: '1', registerDigits: digits, opening: reads[0]!, closing: reads[last]!, wraps: { '1.8.0': wrapsBetween(0, last) } }], ['1.8.0']);
      const left = periodConsumption([{ serial: 'M', mf: '1', registerDigits: digits, opening: reads[0]!, closing: reads[k]!, wraps: { '1.8.0': wrapsBetween(0, k) } }], ['1.8.0']);
      const right = periodConsumption([{ serial: 'M', mf: '1', registerDigits: digits, opening: reads[k]!, closing: reads[last]!, wraps: { '1.8.0': wrapsBetween(k, last) } }], ['1.8.0']);
      const expected = ((milli[last] as number) - start) / 1000; // independent: the increments themselves
      expect(whole.energy.get('1.8.0')?.toNumber()).toBeCloseTo(expected, 6);
      expect(left.energy.get('1.8.0')?.plus(right.energy.get('1.8.0')!).toFixed()).toBe(whole.energy.get('1.8.0')?.toFixed());
    }), { numRuns: 300 });
  });

  const reg9 = (milli: number) => (milli / 1000).toFixed(3); // 9-digit registers: these values never wrap
  it('a meter replacement bills the same energy as one meter would', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 500_000_000 }), fc.integer({ min: 0, max: 500_000_000 }), fc.integer({ min: 0, max: 900_000_000 }), fc.integer({ min: 0, max: 90_000 }), fc.constantFrom('1', '2.5', '40', '2000'), (before, after, oldStart, newStart, mf) => {
      const one = periodConsumption([{ serial: 'A', mf, registerDigits: 9, opening: { ts: T0, values: { '1.8.0': reg9(oldStart) } }, closing: { ts: T1, values: { '1.8.0': reg9(oldStart + before + after) } } }], ['1.8.0']);
      const two = periodConsumption([
        { serial: 'A', mf, registerDigits: 9, opening: { ts: T0, values: { '1.8.0': reg9(oldStart) } }, closing: { ts: TM, values: { '1.8.0': reg9(oldStart + before) } } },
        { serial: 'B', mf, registerDigits: 9, opening: { ts: TM, values: { '1.8.0': reg9(newStart) } }, closing: { ts: T1, values: { '1.8.0': reg9(newStart + after) } } },
      ], ['1.8.0']);
      expect(two.problems).toEqual([]);
      expect(two.energy.get('1.8.0')?.toFixed()).toBe(one.energy.get('1.8.0')?.toFixed());
    }), { numRuns: 300 });
  });
});
