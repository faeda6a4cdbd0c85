/**
 * Decimal arithmetic for the tariff engine. Money and energy are never JS numbers here.
 *
 * `D` is FixedDecimal (fixed-decimal.ts): exact BigInt-scaled decimals with the decimal.js method
 * names the engine needs. Sums and products are exact; only divisions (pro-rata shares,
 * proportional tier shares, PF) are rounded, at 40 decimal places, far below the paisa.
 * Chosen over decimal.js itself for speed: a quote does a few hundred operations and decimal.js
 * allocates and normalises on every one (bench/tariffs.ts measures the difference).
 */
import { FixedDecimal, RoundingMode } from './fixed-decimal.js';

export const D = FixedDecimal;
export type Dec = FixedDecimal;

export const ZERO = new D(0);
export const ONE = new D(1);
export const HUNDRED = new D(100);
/** x% = x * 0.01: a multiplication, cheaper than a division by 100. */
export const PERCENT = new D('0.01');

/** Named rounding modes a tariff file may use (never inline numbers in code). */
export const ROUNDING_MODES = {
  HALF_UP: RoundingMode.HALF_UP,
  HALF_EVEN: RoundingMode.HALF_EVEN,
  HALF_DOWN: RoundingMode.HALF_DOWN,
  UP: RoundingMode.UP,
  DOWN: RoundingMode.DOWN,
  CEIL: RoundingMode.CEIL,
  FLOOR: RoundingMode.FLOOR,
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
