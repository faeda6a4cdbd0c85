/**
 * Decimal arithmetic for the tariff engine: decimal.js (architecture.md, "Money"), through one
 * named clone so the engine's settings neither depend on nor leak into any other module's.
 * Money and energy are never JS numbers here.
 *
 * 50 significant digits: sums and products of meter quantities (at most 24 decimal places from
 * interval data) and tariff rates are exact; divisions (pro-rata day shares, proportional tier
 * shares) are rounded at the 50th digit, 40 orders of magnitude below the paisa; the PF quotient
 * is exact for its later rounding (quotientForRounding). Exponent notation is off for
 * toString/toJSON; everything a bill prints goes through `plain`, which never writes "-0".
 * Speed: operations allocate, so the engine parses tariff figures once (lines.ts rateOf) and
 * avoids operations it does not need; bench/tariffs.ts measures it.
 */
import { Decimal } from 'decimal.js';

export const TariffDecimal = Decimal.clone({
  precision: 50,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
export const D = TariffDecimal;
export type Dec = Decimal;

export const ZERO = new D(0);
export const ONE = new D(1);
/** x% = x * 0.01: a multiplication, cheaper than a division by 100. */
export const PERCENT = new D('0.01');

/** a × b; b === ONE (a whole billing month, a single segment) skips the operation. */
export function mul(a: Dec, b: Dec): Dec {
  return b === ONE ? a : a.times(b);
}

/** Sum of decimals, from the first one (no addition to zero). */
export function sumOf(values: Iterable<Dec>): Dec {
  let sum: Dec | undefined;
  for (const v of values) sum = sum === undefined ? v : sum.plus(v);
  return sum ?? ZERO;
}

/** Named rounding modes a tariff file may use (never inline numbers in code): decimal.js's modes. */
export const ROUNDING_MODES = {
  HALF_UP: Decimal.ROUND_HALF_UP,
  HALF_EVEN: Decimal.ROUND_HALF_EVEN,
  HALF_DOWN: Decimal.ROUND_HALF_DOWN,
  UP: Decimal.ROUND_UP,
  DOWN: Decimal.ROUND_DOWN,
  CEIL: Decimal.ROUND_CEIL,
  FLOOR: Decimal.ROUND_FLOOR,
} as const;
export type RoundingModeName = keyof typeof ROUNDING_MODES;

/** Most decimal places a tariff may round to (tariff-schema.ts `roundingRule`; PF relies on it). */
export const MAX_ROUNDING_SCALE = 12;

export interface RoundingRule {
  scale: number;
  mode: RoundingModeName;
}

export function round(value: Dec, rule: RoundingRule): Dec {
  return value.toDecimalPlaces(rule.scale, ROUNDING_MODES[rule.mode]);
}

/** Decimal from a tariff or input value. Numbers go through their shortest round-trip string. */
export function dec(value: number | string): Dec {
  return new D(typeof value === 'number' ? String(value) : value);
}

const NEG_ZERO = /^-0(\.0*)?$/;
/**
 * Plain decimal text for a bill: never exponent notation (toFixed), never "-0" or "-0.00"
 * (decimal.js keeps the sign of a negative value rounded to zero, and of a negative zero).
 * Without dp the shortest exact form; with dp rounded half-up (the clone's mode) and padded.
 */
export function plain(value: Dec, dp?: number): string {
  if (dp === undefined) return noNegativeZero(value.toFixed());
  // toFixed(dp) rounds (an allocation and a normalisation); with no places to drop, pad the text
  return value.decimalPlaces() > dp ? noNegativeZero(value.toFixed(dp)) : padPlaces(value.toFixed(), dp);
}

function noNegativeZero(t: string): string {
  return t.charCodeAt(0) === 45 && NEG_ZERO.test(t) ? t.slice(1) : t;
}

/** Plain text of a decimal with at most dp places, padded with zeros to dp places. */
export function padPlaces(text: string, dp: number): string {
  const dot = text.indexOf('.');
  const places = dot < 0 ? 0 : text.length - dot - 1;
  return places >= dp ? text : `${text}${dot < 0 ? '.' : ''}${'0'.repeat(dp - places)}`;
}

/**
 * a / b (b > 0, a >= 0) for a figure that is later rounded to at most MAX_ROUNDING_SCALE places
 * in any mode (PF, rounded by the rule's pfRounding): that rounding gives what it would on the
 * exact quotient.
 *
 * Why. Write a and b at a common number of decimal places as integers A (k digits) and B.
 * Rounding q = A/B to d <= 12 places, in any mode, only depends on where q lies relative to the
 * points m / (2·10^d) (the d-place grid and its midpoints). If q is not such a point,
 * |q − m/(2·10^d)| = |2·10^d·A − m·B| / (2·10^d·B) >= 1 / (2·10^d·B). A quotient rounded to P
 * significant digits is off by at most half a unit in its P-th digit, <= 5·10^-P·q = 5·10^-P·A/B,
 * less than that gap when A < 10^(P−1−d): with P = k + 13 it stays strictly on q's side of every
 * such point, for every d <= 12. If q is such a point, it has at most 13 places and at most k
 * integer digits (q <= A), so the P-digit quotient is q itself. The engine's 50 digits would
 * cover A up to 37 digits (interval sums carry 24 places: up to 10^13 kVAh); dividing at the k + 13
 * digits the operands need is cheaper for meter figures (k of 6 to 10) and still exact for
 * larger ones. The quotient comes back as a TariffDecimal, so later operations keep 50 digits.
 */
export function quotientForRounding(a: Dec, b: Dec): Dec {
  const places = Math.max(a.decimalPlaces(), b.decimalPlaces());
  const digitsOfA = a.isZero() ? 1 : Math.max(1, a.e + 1 + places);
  const Exact = withPrecision(digitsOfA + MAX_ROUNDING_SCALE + 1);
  return new D(new Exact(a).div(b));
}

const clones: Decimal.Constructor[] = [];
/** The engine's clone at another precision (same rounding and notation), made once per precision. */
function withPrecision(precision: number): Decimal.Constructor {
  return (clones[precision] ??= D.clone({ precision }));
}
