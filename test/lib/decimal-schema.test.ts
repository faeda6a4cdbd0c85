/** Bounded decimals: digits on each side of the point, exponent notation read exactly, nothing rounded. */
import { describe, expect, it } from 'vitest';
import { boundedDecimal, toBoundedDecimal, type DecimalBounds } from '../../src/lib/decimal-schema.js';

const b: DecimalBounds = { integerDigits: 12, fractionDigits: 6 };
const ok = (v: string | number, bounds = b) => toBoundedDecimal(v, bounds);

describe('toBoundedDecimal', () => {
  it('gives the plain text of the value', () => {
    expect(ok('12.5')).toEqual({ ok: true, value: '12.5' });
    expect(ok('007.500')).toEqual({ ok: true, value: '7.5' });
    expect(ok('1.5e3')).toEqual({ ok: true, value: '1500' });
    expect(ok('25E-2')).toEqual({ ok: true, value: '0.25' });
    expect(ok('.5')).toEqual({ ok: true, value: '0.5' });
    expect(ok(0.000001)).toEqual({ ok: true, value: '0.000001' }); // String() gives "0.000001"
    expect(ok(1e-7, { integerDigits: 1, fractionDigits: 7 })).toEqual({ ok: true, value: '0.0000001' }); // String() gives "1e-7"
    expect(ok('0e1000000000')).toEqual({ ok: true, value: '0' }); // zero whatever the exponent
    expect(ok('999999999999.999999')).toEqual({ ok: true, value: '999999999999.999999' });
    // trailing zeros after the point carry no digit of the value
    expect(ok('1.5000000000')).toEqual({ ok: true, value: '1.5' });
    expect(ok('-3.25', { ...b, signed: true })).toEqual({ ok: true, value: '-3.25' });
  });

  it('refuses too many digits, huge exponents, negatives and non-numbers, with the bounds', () => {
    const refused = (v: string | number) => {
      const r = ok(v);
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.message;
    };
    expect(refused('1e1000000000')).toBe('exponent out of range: a non-negative decimal with at most 12 integer digits and 6 decimal places');
    expect(refused('1e2000000')).toMatch(/^exponent out of range/);
    expect(refused('1e12')).toMatch(/^too many integer digits/); // 13 digits
    expect(refused('1000000000000')).toMatch(/^too many integer digits/);
    expect(refused('0.0000001')).toMatch(/^too many decimal places/);
    expect(refused('1e-7')).toMatch(/^too many decimal places/);
    expect(refused(1e21)).toMatch(/^too many integer digits/); // String() gives "1e+21"
    expect(refused('-1')).toMatch(/^must not be negative/);
    expect(refused('0x10')).toMatch(/^not a decimal number/);
    expect(refused('Infinity')).toMatch(/^not a decimal number/);
    expect(refused(Number.NaN)).toMatch(/^not a decimal number/);
    expect(refused('')).toMatch(/^not a decimal number/);
    expect(refused('.')).toMatch(/^not a decimal number/);
  });

  it('is fast on long hostile text (no quadratic regex, no big arithmetic)', () => {
    const long = `1${'0'.repeat(500_000)}1`; // a zero run that /0+$/ would retry from every zero
    const t = performance.now();
    expect(ok(long).ok).toBe(false);
    expect(ok(`0.${'0'.repeat(500_000)}`)).toEqual({ ok: true, value: '0' });
    expect(performance.now() - t).toBeLessThan(500);
  });
});

describe('boundedDecimal (zod)', () => {
  it('parses to plain text and names the bounds in the issue', () => {
    const s = boundedDecimal({ integerDigits: 3, fractionDigits: 2 });
    expect(s.parse('1.2e2')).toBe('120');
    expect(s.parse(99.99)).toBe('99.99');
    const r = s.safeParse('1e9');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('too many integer digits: a non-negative decimal with at most 3 integer digits and 2 decimal places');
  });
});
