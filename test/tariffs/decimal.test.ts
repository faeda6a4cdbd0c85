/**
 * The engine's decimal.js clone: PF quotients round exactly like the exact quotient, bills print
 * plain text (no exponent, no "-0"), named rounding modes are decimal.js's, scaled sums convert
 * exactly.
 */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { D, MAX_ROUNDING_SCALE, plain, quotientForRounding, round, ROUNDING_MODES, type RoundingModeName } from '../../src/tariffs/decimal.js';
import { fromScaled, SCALE, toScaled } from '../../src/tariffs/scaled.js';

/** Reference arithmetic: far more digits than any operand here has. */
const X = Decimal.clone({ precision: 300 });
const MODES = Object.keys(ROUNDING_MODES) as RoundingModeName[];

const digitsText = (n: bigint, places: number): string => {
  const digits = n.toString().padStart(places + 1, '0');
  return places ? `${digits.slice(0, -places)}.${digits.slice(-places)}` : digits;
};
/** Non-negative decimals from tiny to 45 digits (quotientForRounding picks its precision from them). */
const operand = fc
  .tuple(
    fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.bigInt({ min: 0n, max: 10n ** 45n })),
    fc.integer({ min: 0, max: SCALE }),
  )
  .map(([n, places]) => digitsText(n, places));
const positive = operand.filter((t) => !new X(t).isZero());

function roundsLikeExact(a: string, b: string, dp: number, mode: RoundingModeName): void {
  const exact = new X(a).div(b).toDecimalPlaces(dp, ROUNDING_MODES[mode]).toFixed();
  expect(round(quotientForRounding(new D(a), new D(b)), { scale: dp, mode }).toFixed()).toBe(exact);
}

describe('quotientForRounding (PF)', () => {
  const dp = fc.integer({ min: 0, max: MAX_ROUNDING_SCALE });
  const mode = fc.constantFrom(...MODES);

  it('rounds to 0-12 places in every mode exactly like the exact quotient', () => {
    fc.assert(fc.property(operand, positive, dp, mode, (a, b, places, m) => roundsLikeExact(a, b, places, m)), { numRuns: 3000 });
  });

  it('tells a tie (or a grid point) from a hair either side of it', () => {
    // a = t·b + e for a point t = k / (2·10^dp) and e in {-1, 0, +1} units of a's last place:
    // the cases where a quotient cut short at too few digits would round the wrong way
    const near = fc.tuple(positive, fc.bigInt({ min: 0n, max: 10n ** 14n }), dp, fc.constantFrom(-1, 0, 1), fc.integer({ min: 0, max: 30 }));
    fc.assert(fc.property(near, mode, ([b, k, places, e, extra], m) => {
      const t = new X(k.toString()).div(new X(10).pow(places).times(2));
      const unit = new X(10).pow(-(new X(b).decimalPlaces() + places + 1 + extra));
      const a = t.times(b).plus(unit.times(e));
      fc.pre(a.gt(0));
      roundsLikeExact(a.toFixed(), b, places, m);
    }), { numRuns: 3000 });
  });

  it('stays exact for operands beyond the engine\'s 50 digits', () => {
    const a = `1${'0'.repeat(40)}.000000000000000000000001`;
    const b = `3${'0'.repeat(40)}`;
    for (const m of MODES) roundsLikeExact(a, b, MAX_ROUNDING_SCALE, m);
    expect(quotientForRounding(new D('0'), new D('7')).isZero()).toBe(true);
  });
});

describe('plain (bill text)', () => {
  const signed = fc.tuple(fc.boolean(), operand).map(([neg, t]) => (neg ? `-${t}` : t));
  const noNegZero = (t: string) => (/^-0(\.0+)?$/.test(t) ? t.slice(1) : t);

  it('prints like decimal.js toFixed (half-up at dp), padded, and never "-0"', () => {
    fc.assert(fc.property(signed, fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }), (t, dp) => {
      const x = new X(t);
      const expected = noNegZero(dp === undefined ? x.toFixed() : x.toFixed(dp, Decimal.ROUND_HALF_UP));
      expect(plain(new D(t), dp)).toBe(expected);
    }), { numRuns: 3000 });
  });

  it('never uses exponent notation and never prints a negative zero', () => {
    expect(plain(new D('1e-30'))).toBe(`0.${'0'.repeat(29)}1`);
    expect(plain(new D('1e60'))).toBe(`1${'0'.repeat(60)}`);
    expect(String(new D('1e-30'))).toBe(`0.${'0'.repeat(29)}1`); // toString/toJSON too
    expect(plain(new D('-0.004'), 2)).toBe('0.00');
    expect(plain(new D('-0'))).toBe('0');
    expect(plain(new D('0.004').negated().toDecimalPlaces(2), 2)).toBe('0.00');
    expect(plain(new D('-1.5'), 3)).toBe('-1.500');
    expect(plain(new D('12'), 2)).toBe('12.00');
  });
});

describe('named rounding modes', () => {
  it('are decimal.js modes under the tariff file names', () => {
    const cases: [RoundingModeName, string, string][] = [
      ['HALF_UP', '2.345', '2.35'], ['HALF_UP', '-2.345', '-2.35'],
      ['HALF_EVEN', '2.345', '2.34'], ['HALF_EVEN', '2.355', '2.36'],
      ['HALF_DOWN', '2.345', '2.34'], ['HALF_DOWN', '2.3451', '2.35'],
      ['UP', '2.341', '2.35'], ['UP', '-2.341', '-2.35'],
      ['DOWN', '2.349', '2.34'], ['DOWN', '-2.349', '-2.34'],
      ['CEIL', '-2.349', '-2.34'], ['CEIL', '2.341', '2.35'],
      ['FLOOR', '2.349', '2.34'], ['FLOOR', '-2.341', '-2.35'],
    ];
    for (const [mode, v, want] of cases) expect(plain(round(new D(v), { scale: 2, mode }))).toBe(want);
  });
});

describe('scaled sums', () => {
  it('toScaled and fromScaled are exact inverses, exponent forms included', () => {
    fc.assert(fc.property(operand, (t) => {
      expect(plain(fromScaled(toScaled(t, 'x')))).toBe(new X(t).toFixed());
    }), { numRuns: 2000 });
    expect(toScaled('1.5e3', 'x')).toBe(1500n * 10n ** BigInt(SCALE));
    expect(toScaled(1e-7, 'x')).toBe(10n ** BigInt(SCALE - 7));
    expect(toScaled(`1.${'2'.repeat(30)}e10`, 'x')).toBe(BigInt(`1${'2'.repeat(30)}`) * 10n ** BigInt(SCALE - 20));
    expect(() => toScaled('1e-25', 'x')).toThrow(/more than 24 decimal places/);
    expect(plain(fromScaled(0n))).toBe('0');
  });
});
