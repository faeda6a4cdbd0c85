/**
 * Exact decimal numbers as (integer n, scale s) = n × 10^-s: the subset of the decimal.js API the
 * tariff engine uses, several times cheaper per operation (the quote benchmark's budget).
 * n is a JS number while it is a safe integer (|n| < 2^53: every bill amount and meter quantity in
 * practice) and a BigInt beyond; every operation checks and moves to BigInt before precision
 * could be lost. Addition, subtraction and multiplication are exact; division keeps DIV_SCALE
 * fractional digits, rounded half-up (pro-rata shares only, far below the paisa). Immutable.
 */
import { Decimal } from 'decimal.js';
import { big, divmod, floorDivRem, type Int, norm, NPOW, pow10, roundQuotient, SAFE, scaleUp } from './int-math.js';
import { RoundingMode } from './rounding-mode.js';

export { RoundingMode };

export const DIV_SCALE = 40;

const NUM = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/;
const PLAIN = /^-?\d+(\.\d+)?$/;
type Input = FixedDecimal | string | number | bigint;

/**
 * Long division on JS numbers, 5 digits at a time, when every intermediate stays a safe integer
 * (small operands, scale <= 15: a PF, a day fraction). Same result as the BigInt path.
 */
function smallDiv(x: FixedDecimal, y: FixedDecimal, scale: number, sticky: boolean): FixedDecimal | undefined {
  if (scale > 15 || typeof x.n !== 'number' || typeof y.n !== 'number') return undefined;
  // x/y = a/b with a = n1 * 10^s2, b = n2 * 10^s1
  const a = scaleUp(Math.abs(x.n), y.s);
  const b = scaleUp(Math.abs(y.n), x.s);
  if (typeof a !== 'number' || typeof b !== 'number' || a > 2 ** 52 || b > 9e10) return undefined;
  let [q, r] = floorDivRem(a, b);
  if (q * (NPOW[scale] as number) > SAFE) return undefined;
  for (let left = scale; left > 0; left -= 5) {
    const k = Math.min(5, left);
    const p = NPOW[k] as number;
    const [digit, rest] = floorDivRem(r * p, b); // r * p < 9e15: exact
    r = rest;
    q = q * p + digit;
  }
  if (r !== 0) {
    if (sticky) q += q % 2 === 0 ? 1 : 0;
    else if (r * 2 >= b) q += 1;
  }
  const negative = (x.n < 0) !== (y.n < 0);
  return new FixedDecimal(negative ? -q : q, scale, true).trim();
}

export class FixedDecimal {
  readonly n: Int;
  readonly s: number;
  private text: string | undefined;
  private digitText: string | undefined;

  /** `raw`: v is already the integer n at `scale` (internal fast path). */
  constructor(v: Input, scale?: number, raw?: boolean) {
    if (raw === true && typeof v === 'number') {
      this.n = v;
      this.s = scale ?? 0;
      return;
    }
    if (typeof v === 'bigint') {
      this.n = norm(v);
      this.s = scale ?? 0;
      return;
    }
    if (v instanceof FixedDecimal) {
      this.n = v.n;
      this.s = v.s;
      return;
    }
    const text = typeof v === 'number' ? String(v) : v;
    if (PLAIN.test(text)) {
      // fast path: [-]digits[.digits], no exponent
      const dot = text.indexOf('.');
      const digits = dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1);
      this.n = digits.length <= 15 ? Number(digits) : norm(BigInt(digits));
      this.s = dot < 0 ? 0 : text.length - dot - 1;
      return;
    }
    const m = NUM.exec(text);
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`[DecimalError] Invalid argument: ${text}`);
    const frac = m[3] ?? '';
    const exp = m[4] ? Number(m[4]) : 0;
    let n = BigInt((m[2] || '0') + frac);
    let s = frac.length - exp;
    if (s < 0) {
      n *= pow10(-s);
      s = 0;
    }
    this.n = norm(m[1] === '-' ? -n : n);
    this.s = s;
  }

  private static of(n: Int, s: number): FixedDecimal {
    return new FixedDecimal(n, s, true);
  }

  private static from(v: Input): FixedDecimal {
    return v instanceof FixedDecimal ? v : new FixedDecimal(v);
  }

  /** n of both operands on a common scale. */
  private align(o: FixedDecimal): [Int, Int, number] {
    if (this.s === o.s) return [this.n, o.n, this.s];
    return this.s > o.s ? [this.n, scaleUp(o.n, this.s - o.s), this.s] : [scaleUp(this.n, o.s - this.s), o.n, o.s];
  }

  plus(v: Input): FixedDecimal {
    const [a, b, s] = this.align(FixedDecimal.from(v));
    if (typeof a === 'number' && typeof b === 'number') {
      const r = a + b;
      if (r >= -SAFE && r <= SAFE) return FixedDecimal.of(r, s);
    }
    return FixedDecimal.of(norm(big(a) + big(b)), s);
  }

  minus(v: Input): FixedDecimal {
    return this.plus(FixedDecimal.from(v).negated());
  }

  times(v: Input): FixedDecimal {
    const o = FixedDecimal.from(v);
    let n: Int;
    if (typeof this.n === 'number' && typeof o.n === 'number' && Math.abs(this.n * o.n) <= SAFE) n = this.n * o.n;
    else n = norm(big(this.n) * big(o.n));
    const r = FixedDecimal.of(n, this.s + o.s);
    return r.s > 30 ? r.trim() : r; // keep long products short; short ones are trimmed when printed
  }

  /**
   * Quotient to `scale` places, rounded half-up. With `sticky`, it is truncated instead and a
   * non-zero remainder sets the last digit odd, so any later rounding to fewer places (any mode)
   * sees "exactly a tie" and "just above a tie" apart, as it would on the exact quotient.
   */
  div(v: Input, scale: number = DIV_SCALE, sticky = false): FixedDecimal {
    const o = FixedDecimal.from(v);
    if (o.isZero()) throw new Error('[DecimalError] Division by zero');
    const fast = smallDiv(this, o, scale, sticky);
    if (fast) return fast;
    // (n1/10^s1) / (n2/10^s2) = n1 * 10^(s2 + K - s1) / n2 at scale K
    const shift = o.s + scale - this.s;
    const bn = big(this.n);
    const num = shift >= 0 ? bn * pow10(shift) : bn / pow10(-shift);
    const bd = big(o.n);
    const negative = (num < 0n) !== (bd < 0n);
    const d = bd < 0n ? -bd : bd;
    const rem = num % bd;
    let q: Int;
    if (!sticky) q = roundQuotient(norm(num / bd), norm(rem), norm(d), negative, RoundingMode.HALF_UP);
    else {
      const t = num / bd;
      q = norm(rem !== 0n && (t & 1n) === 0n ? t + (negative ? -1n : 1n) : t);
    }
    return FixedDecimal.of(q, scale).trim();
  }

  /** Whole number of times `v` fits into this value (both positive): floor(this / v), exact. */
  divToInt(v: Input): FixedDecimal {
    const [a, b] = this.align(FixedDecimal.from(v));
    return FixedDecimal.of(norm(big(a) / big(b)), 0);
  }

  cmp(v: Input): number {
    const [a, b] = this.align(FixedDecimal.from(v));
    return a < b ? -1 : a > b ? 1 : 0;
  }

  eq(v: Input): boolean { return this.cmp(v) === 0; }
  gt(v: Input): boolean { return this.cmp(v) > 0; }
  gte(v: Input): boolean { return this.cmp(v) >= 0; }
  lt(v: Input): boolean { return this.cmp(v) < 0; }
  lte(v: Input): boolean { return this.cmp(v) <= 0; }
  isZero(): boolean { return this.n === 0 || this.n === 0n; }
  isNegative(): boolean { return this.n < 0; }
  isInteger(): boolean { return this.s === 0 || this.fractionZeros() === this.s; }
  negated(): FixedDecimal { return FixedDecimal.of(typeof this.n === 'number' ? -this.n : norm(-this.n), this.s); }
  abs(): FixedDecimal { return this.n < 0 ? this.negated() : this; }
  pow(k: number): FixedDecimal {
    let r: FixedDecimal = FixedDecimal.of(1, 0);
    for (let i = 0; i < k; i++) r = r.times(this);
    return r;
  }

  /** Square root to DIV_SCALE places (PF from kVArh only): via decimal.js, then exact again. */
  sqrt(): FixedDecimal {
    const D = Decimal.clone({ precision: DIV_SCALE + 20 });
    return new FixedDecimal(new D(this.toFixed()).sqrt().toFixed(DIV_SCALE)).trim();
  }

  /** |n| in decimal digits, computed once: trailing zeros and printing both use it. */
  private digits(): string {
    return (this.digitText ??= (this.n < 0 ? -this.n : this.n).toString());
  }

  /** Trailing zero digits of the fraction (string scan: no division). */
  private fractionZeros(): number {
    if (this.s === 0) return 0;
    if (this.isZero()) return this.s;
    if (typeof this.n === 'number') {
      let n = this.n;
      let z = 0;
      while (z < this.s && n % 10 === 0) {
        n /= 10;
        z++;
      }
      return z;
    }
    const d = this.digits();
    let z = 0;
    while (z < this.s && z < d.length && d.charCodeAt(d.length - 1 - z) === 48) z++;
    return z;
  }

  /** Drop trailing zero digits of the fraction (same value, smaller numbers downstream). */
  trim(): FixedDecimal {
    const z = this.fractionZeros();
    if (z === 0) return this;
    if (this.isZero()) return FixedDecimal.of(0, 0);
    const d = this.digits();
    const kept = d.slice(0, d.length - z);
    const n = kept.length <= 15 ? Number(kept) : norm(BigInt(kept));
    return FixedDecimal.of(this.n < 0 ? -n : n, this.s - z);
  }

  decimalPlaces(): number { return this.s - this.fractionZeros(); }

  toDecimalPlaces(dp: number, mode: number = RoundingMode.HALF_UP): FixedDecimal {
    if (this.s <= dp) return this;
    const k = this.s - dp;
    const d: Int = k <= 15 ? (NPOW[k] as number) : pow10(k);
    const [q, r] = divmod(this.n, d);
    return FixedDecimal.of(roundQuotient(q, r, d, this.n < 0, mode), dp);
  }

  floor(): FixedDecimal { return this.toDecimalPlaces(0, RoundingMode.FLOOR); }

  /** Plain notation; without dp the shortest exact form, with dp rounded half-up and padded. */
  toFixed(dp?: number): string {
    if (dp === undefined) return (this.text ??= this.format());
    return this.format(dp);
  }

  private format(dp?: number): string {
    const v = dp === undefined ? this : this.toDecimalPlaces(dp);
    const z = dp === undefined ? v.fractionZeros() : 0;
    const s = dp === undefined ? v.s - z : dp;
    const neg = v.n < 0;
    let digits = v.digits();
    if (z > 0) digits = digits.length > z ? digits.slice(0, digits.length - z) : '0';
    if (v.s < s) digits += '0'.repeat(s - v.s);
    if (s === 0) return (neg ? '-' : '') + digits;
    if (digits.length <= s) digits = '0'.repeat(s - digits.length + 1) + digits;
    return `${neg ? '-' : ''}${digits.slice(0, -s)}.${digits.slice(-s)}`;
  }

  toString(): string { return this.toFixed(); }
  toJSON(): string { return this.toFixed(); }
  toNumber(): number { return Number(this.toFixed()); }

  static min(a: Input, b: Input): FixedDecimal {
    const x = FixedDecimal.from(a);
    const y = FixedDecimal.from(b);
    return y.lt(x) ? y : x;
  }

  static max(a: Input, b: Input): FixedDecimal {
    const x = FixedDecimal.from(a);
    const y = FixedDecimal.from(b);
    return y.gt(x) ? y : x;
  }
}
