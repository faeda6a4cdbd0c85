/**
 * Exact decimal numbers as (BigInt n, scale s) = n × 10^-s: the subset of the decimal.js API the
 * tariff engine uses, 5-10x cheaper per operation (the quote benchmark's budget). Addition,
 * subtraction and multiplication are exact; division keeps DIV_SCALE fractional digits, rounded
 * half-up (pro-rata shares only, far below the paisa). Immutable.
 */
import { Decimal } from 'decimal.js';

export const DIV_SCALE = 40;

export const RoundingMode = {
  UP: 0,
  DOWN: 1,
  CEIL: 2,
  FLOOR: 3,
  HALF_UP: 4,
  HALF_DOWN: 5,
  HALF_EVEN: 6,
} as const;

const POW: bigint[] = [1n];
function pow10(k: number): bigint {
  for (let i = POW.length; i <= k; i++) POW.push((POW[i - 1] as bigint) * 10n);
  return POW[k] as bigint;
}

const NUM = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/;
const PLAIN = /^-?\d+(\.\d+)?$/;
type Input = FixedDecimal | string | number | bigint;

/** |remainder| vs half of the divisor decides the rounding of a truncated quotient. */
function roundQuotient(q: bigint, r: bigint, d: bigint, negative: boolean, mode: number): bigint {
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const away = negative ? q - 1n : q + 1n;
  switch (mode) {
    case RoundingMode.UP: return away;
    case RoundingMode.DOWN: return q;
    case RoundingMode.CEIL: return negative ? q : away;
    case RoundingMode.FLOOR: return negative ? away : q;
    case RoundingMode.HALF_UP: return twice >= d ? away : q;
    case RoundingMode.HALF_DOWN: return twice > d ? away : q;
    default: return twice > d || (twice === d && (q & 1n) === 1n) ? away : q;
  }
}

export class FixedDecimal {
  readonly n: bigint;
  readonly s: number;

  constructor(v: Input, scale?: number) {
    if (typeof v === 'bigint') {
      this.n = v;
      this.s = scale ?? 0;
      return;
    }
    if (v instanceof FixedDecimal) {
      this.n = v.n;
      this.s = v.s;
      return;
    }
    const text = typeof v === 'number' ? String(v) : v;
    const dot = text.indexOf('.');
    if (PLAIN.test(text)) {
      // fast path: [-]digits[.digits], no exponent
      this.n = BigInt(dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1));
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
    this.n = m[1] === '-' ? -n : n;
    this.s = s;
  }

  private static of(n: bigint, s: number): FixedDecimal {
    return new FixedDecimal(n, s);
  }

  private static from(v: Input): FixedDecimal {
    return v instanceof FixedDecimal ? v : new FixedDecimal(v);
  }

  /** n of both operands on a common scale. */
  private align(o: FixedDecimal): [bigint, bigint, number] {
    if (this.s === o.s) return [this.n, o.n, this.s];
    return this.s > o.s ? [this.n, o.n * pow10(this.s - o.s), this.s] : [this.n * pow10(o.s - this.s), o.n, o.s];
  }

  plus(v: Input): FixedDecimal {
    const [a, b, s] = this.align(FixedDecimal.from(v));
    return FixedDecimal.of(a + b, s);
  }

  minus(v: Input): FixedDecimal {
    const [a, b, s] = this.align(FixedDecimal.from(v));
    return FixedDecimal.of(a - b, s);
  }

  times(v: Input): FixedDecimal {
    const o = FixedDecimal.from(v);
    const r = FixedDecimal.of(this.n * o.n, this.s + o.s);
    return r.s > 30 ? r.trim() : r; // keep long products short; short ones are trimmed when printed
  }

  div(v: Input): FixedDecimal {
    const o = FixedDecimal.from(v);
    if (o.n === 0n) throw new Error('[DecimalError] Division by zero');
    // (n1/10^s1) / (n2/10^s2) = n1 * 10^(s2 + K - s1) / n2 at scale K
    const shift = o.s + DIV_SCALE - this.s;
    const num = shift >= 0 ? this.n * pow10(shift) : this.n / pow10(-shift);
    const q = num / o.n;
    const r = num % o.n;
    const negative = (num < 0n) !== (o.n < 0n);
    const d = o.n < 0n ? -o.n : o.n;
    return FixedDecimal.of(roundQuotient(q, r, d, negative, RoundingMode.HALF_UP), DIV_SCALE).trim();
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
  isZero(): boolean { return this.n === 0n; }
  isNegative(): boolean { return this.n < 0n; }
  isInteger(): boolean { return this.s === 0 || this.n % pow10(this.s) === 0n; }
  negated(): FixedDecimal { return FixedDecimal.of(-this.n, this.s); }
  abs(): FixedDecimal { return this.n < 0n ? this.negated() : this; }
  pow(k: number): FixedDecimal {
    let r: FixedDecimal = FixedDecimal.of(1n, 0);
    for (let i = 0; i < k; i++) r = r.times(this);
    return r;
  }

  /** Square root to DIV_SCALE places (PF from kVArh only): via decimal.js, then exact again. */
  sqrt(): FixedDecimal {
    const D = Decimal.clone({ precision: DIV_SCALE + 20 });
    return new FixedDecimal(new D(this.toFixed()).sqrt().toFixed(DIV_SCALE)).trim();
  }

  private digitText: string | undefined;
  /** |n| in decimal digits, computed once: trailing zeros and printing both use it. */
  private digits(): string {
    return (this.digitText ??= (this.n < 0n ? -this.n : this.n).toString());
  }

  /** Trailing zero digits of the fraction (string scan: no BigInt division). */
  private fractionZeros(): number {
    if (this.s === 0) return 0;
    const d = this.digits();
    let z = 0;
    while (z < this.s && z < d.length && d.charCodeAt(d.length - 1 - z) === 48) z++;
    return this.n === 0n ? this.s : z;
  }

  /** Drop trailing zero digits of the fraction (same value, smaller numbers downstream). */
  trim(): FixedDecimal {
    const z = this.fractionZeros();
    if (z === 0) return this;
    if (this.n === 0n) return FixedDecimal.of(0n, 0);
    const d = this.digits();
    const n = BigInt(d.slice(0, d.length - z));
    return FixedDecimal.of(this.n < 0n ? -n : n, this.s - z);
  }

  decimalPlaces(): number { return this.s - this.fractionZeros(); }

  toDecimalPlaces(dp: number, mode: number = RoundingMode.HALF_UP): FixedDecimal {
    if (this.s <= dp) return this;
    const d = pow10(this.s - dp);
    return FixedDecimal.of(roundQuotient(this.n / d, this.n % d, d, this.n < 0n, mode), dp);
  }

  floor(): FixedDecimal { return this.toDecimalPlaces(0, RoundingMode.FLOOR); }

  /** Plain notation; without dp the shortest exact form, with dp rounded half-up and padded. */
  toFixed(dp?: number): string {
    if (dp === undefined) return (this.text ??= this.format());
    return this.format(dp);
  }

  private text: string | undefined;

  private format(dp?: number): string {
    const v = dp === undefined ? this : this.toDecimalPlaces(dp);
    const z = dp === undefined ? v.fractionZeros() : 0;
    const s = dp === undefined ? v.s - z : dp;
    const neg = v.n < 0n;
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
