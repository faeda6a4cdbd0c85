/**
 * Decimal arithmetic for the tariff engine. Money and energy are never JS numbers here.
 *
 * A private clone so the engine's precision does not depend on (or leak into) any other
 * module's decimal.js settings. 40 significant digits: products of meter quantities and
 * rates are exact; only divisions (pro-rata shares, proportional tier shares) are rounded,
 * 20+ orders of magnitude below the paisa.
 */
import { Decimal } from 'decimal.js';

export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 40 });
export type Dec = InstanceType<typeof D>;

export const ZERO = new D(0);
export const ONE = new D(1);
export const HUNDRED = new D(100);
/** x% = x * 0.01: a multiplication, much cheaper than a 40-digit division by 100. */
export const PERCENT = new D('0.01');

/** Named rounding modes a tariff file may use (never inline numbers in code). */
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

export interface RoundingRule {
  scale: number;
  mode: RoundingModeName;
}

export function round(value: Dec, rule: RoundingRule): Dec {
  return value.toDecimalPlaces(rule.scale, ROUNDING_MODES[rule.mode]);
}

/** Decimal from a tariff/input value. Numbers go through their shortest round-trip string. */
export function dec(value: number | string | Dec): Dec {
  return value instanceof D ? value : new D(typeof value === 'number' ? String(value) : value);
}

export function maxOf(values: readonly Dec[]): Dec {
  let best = values[0] ?? ZERO;
  for (const v of values) if (v.gt(best)) best = v;
  return best;
}

/** Plain (non-exponent) decimal string for JSON output. */
export function str(value: Dec): string {
  return value.toFixed();
}
