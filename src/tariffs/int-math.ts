/**
 * Integer helpers for FixedDecimal: an integer is a JS number while it is safe (|n| < 2^53) and a
 * BigInt beyond. Pure.
 */
import { RoundingMode } from './rounding-mode.js';

export type Int = number | bigint;
export const SAFE = Number.MAX_SAFE_INTEGER;
export const BIG_SAFE = BigInt(SAFE);

const POW: bigint[] = [1n];
export function pow10(k: number): bigint {
  for (let i = POW.length; i <= k; i++) POW.push((POW[i - 1] as bigint) * 10n);
  return POW[k] as bigint;
}
/** 10^k as an exact double for k <= 15 (every such power is a safe integer). */
export const NPOW = Array.from({ length: 16 }, (_, k) => 10 ** k);

export const big = (x: Int): bigint => (typeof x === 'bigint' ? x : BigInt(x));
/** BigInt back to a number when it fits: keeps later operations on the fast path. */
export const norm = (x: bigint): Int => (x >= -BIG_SAFE && x <= BIG_SAFE ? Number(x) : x);

/** x * 10^k, exact. */
export function scaleUp(x: Int, k: number): Int {
  if (k === 0) return x;
  if (typeof x === 'number' && k <= 15) {
    const r = x * (NPOW[k] as number);
    if (r >= -SAFE && r <= SAFE) return r;
  }
  return big(x) * pow10(k);
}


/** Rounding of a truncated quotient q (remainder r, divisor d > 0) by a named mode. */
export function roundQuotient(q: Int, r: Int, d: Int, negative: boolean, mode: number): Int {
  if (r === 0 || r === 0n) return q;
  let twiceVsD: number;
  let odd: boolean;
  if (typeof q === 'number' && typeof r === 'number' && typeof d === 'number') {
    const twice = Math.abs(r) * 2;
    twiceVsD = twice > d ? 1 : twice === d ? 0 : -1;
    odd = Math.abs(q % 2) === 1;
  } else {
    const br = big(r);
    const twice = (br < 0n ? -br : br) * 2n;
    const bd = big(d);
    twiceVsD = twice > bd ? 1 : twice === bd ? 0 : -1;
    odd = (big(q) & 1n) === 1n;
  }
  let away: boolean;
  switch (mode) {
    case RoundingMode.UP: away = true; break;
    case RoundingMode.DOWN: away = false; break;
    case RoundingMode.CEIL: away = !negative; break;
    case RoundingMode.FLOOR: away = negative; break;
    case RoundingMode.HALF_UP: away = twiceVsD >= 0; break;
    case RoundingMode.HALF_DOWN: away = twiceVsD > 0; break;
    default: away = twiceVsD > 0 || (twiceVsD === 0 && odd);
  }
  if (!away) return q;
  return typeof q === 'number' ? q + (negative ? -1 : 1) : norm(q + (negative ? -1n : 1n));
}

/** Integer division with remainder (truncating), exact for both representations. */
export function divmod(n: Int, d: Int): [Int, Int] {
  if (typeof n === 'number' && typeof d === 'number') {
    const r = n % d;
    return [(n - r) / d, r];
  }
  const bn = big(n);
  const bd = big(d);
  return [norm(bn / bd), norm(bn % bd)];
}

/** floor(a / b) and the remainder for safe non-negative integers; the float quotient is only a guess. */
export function floorDivRem(a: number, b: number): [number, number] {
  let q = Math.floor(a / b);
  let r = a - q * b;
  while (r < 0) { q -= 1; r += b; }
  while (r >= b) { q += 1; r -= b; }
  return [q, r];
}

