/** FixedDecimal agrees with decimal.js (high precision) on every operation the engine uses. */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIV_SCALE, FixedDecimal as F, RoundingMode } from '../../src/tariffs/fixed-decimal.js';

const X = Decimal.clone({ precision: 200 });
// Magnitudes on both sides of 2^53: FixedDecimal keeps small integers as numbers, large as BigInt.
const decimalText = fc
  .tuple(fc.boolean(), fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.bigInt({ min: 0n, max: 1000n })), fc.integer({ min: 0, max: 12 }))
  .map(([neg, n, s]) => {
    const digits = n.toString().padStart(s + 1, '0');
    const text = s ? `${digits.slice(0, -s)}.${digits.slice(-s)}` : digits;
    return neg && n !== 0n ? `-${text}` : text;
  });

/** decimal.js prints a rounded-away negative as "-0"; FixedDecimal has no negative zero (a bill never shows "-0.00"). */
const noNegZero = (t: string) => (/^-0(\.0+)?$/.test(t) ? t.slice(1) : t);

describe('FixedDecimal', () => {
  it('plus, minus, times, comparisons and toFixed are exact', () => {
    fc.assert(fc.property(decimalText, decimalText, (a, b) => {
      const [fa, fb, xa, xb] = [new F(a), new F(b), new X(a), new X(b)];
      expect(fa.plus(fb).toFixed()).toBe(xa.plus(xb).toFixed());
      expect(fa.minus(fb).toFixed()).toBe(xa.minus(xb).toFixed());
      expect(fa.times(fb).toFixed()).toBe(xa.times(xb).toFixed());
      expect(fa.cmp(fb)).toBe(xa.cmp(xb));
      expect(fa.decimalPlaces()).toBe(xa.decimalPlaces());
    }), { numRuns: 2000 });
  });

  it('division is exact to DIV_SCALE places, rounded half-up', () => {
    fc.assert(fc.property(decimalText, decimalText, (a, b) => {
      fc.pre(!new X(b).isZero());
      expect(new F(a).div(b).toFixed()).toBe(new X(a).div(b).toDecimalPlaces(DIV_SCALE, Decimal.ROUND_HALF_UP).toFixed());
    }), { numRuns: 2000 });
  });

  it('a sticky 15-place quotient rounds to 0-13 places exactly like the exact quotient, in every mode', () => {
    fc.assert(fc.property(decimalText, decimalText, fc.integer({ min: 0, max: 13 }), fc.constantFrom(...Object.values(RoundingMode)), (a, b, dp, mode) => {
      fc.pre(!new X(b).isZero());
      const exact = new X(a).div(b).toDecimalPlaces(dp, mode as Decimal.Rounding).toFixed();
      expect(new F(a).div(b, 15, true).toDecimalPlaces(dp, mode).toFixed()).toBe(noNegZero(exact));
    }), { numRuns: 3000 });
  });

  it('rounds like decimal.js in every named mode', () => {
    const modes = Object.values(RoundingMode);
    fc.assert(fc.property(decimalText, fc.integer({ min: 0, max: 6 }), fc.constantFrom(...modes), (a, dp, mode) => {
      expect(new F(a).toDecimalPlaces(dp, mode).toFixed()).toBe(noNegZero(new X(a).toDecimalPlaces(dp, mode as Decimal.Rounding).toFixed()));
      expect(new F(a).toFixed(dp)).toBe(noNegZero(new X(a).toFixed(dp, Decimal.ROUND_HALF_UP)));
    }), { numRuns: 3000 });
  });

  it('parses numbers through their shortest form, and exponents', () => {
    expect(new F(0.1).plus(0.2).toFixed()).toBe('0.3');
    expect(new F('1e-7').toFixed()).toBe('0.0000001');
    expect(new F('2.5E+3').toFixed()).toBe('2500');
    expect(new F(65.6374).times(1).toFixed()).toBe('65.6374');
    expect(() => new F('abc')).toThrow(/Invalid/);
    expect(new F(2).sqrt().toFixed(10)).toBe('1.4142135624');
  });
});
