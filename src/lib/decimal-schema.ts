import { z } from 'zod';

/** A non-negative decimal quantity, accepted as a JSON string or number, kept as a string. */
export const decimalString = z
  .union([z.string().trim(), z.number().finite()])
  .transform((v) => (typeof v === 'number' ? String(v) : v))
  .pipe(z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'a non-negative decimal with at most 6 decimal places'));

/** Same shape for the OpenAPI document: outputs are always strings. */
export const decimalOut = z.string().regex(/^-?\d+(\.\d+)?$/).describe('decimal as a string');

export const isoDate = z.iso.date().describe('YYYY-MM-DD');
export const isoDateTime = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp with offset');

/**
 * A decimal that fits a `numeric(precision, scale)` column exactly: at most precision − scale
 * integer digits and `scale` fraction digits, so the database never rounds or overflows it.
 * Accepted as a string (or a JSON number converted with String(n)), kept as a string.
 */
export function numericString({ precision, scale, positive = false }: { precision: number; scale: number; positive?: boolean }) {
  const int = precision - scale;
  const re = new RegExp(`^\\d{1,${int}}(\\.\\d{1,${scale}})?$`);
  const s = z
    .union([z.string().trim(), z.number().finite()])
    .transform((v) => (typeof v === 'number' ? String(v) : v))
    .pipe(z.string().regex(re, `a non-negative decimal with at most ${int} integer and ${scale} fraction digits`));
  return positive ? s.refine((v) => /[1-9]/.test(v), 'must be greater than zero') : s;
}

/**
 * How many digits a decimal may have on each side of the point: what its column (numeric(p, s):
 * p − s and s) or its domain allows. Bounding digits bounds the cost of every later operation:
 * "1e1000000000" is one short string but a billion-digit number.
 */
export interface DecimalBounds {
  integerDigits: number;
  fractionDigits: number;
  /** a leading "-" is accepted (default: non-negative only) */
  signed?: boolean;
}

// Mantissa and an optional exponent; the exponent's size is checked before it is read as a number.
const DECIMAL_TEXT = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/;
const MAX_EXPONENT_CHARS = 6;

export type BoundedDecimalResult = { ok: true; value: string } | { ok: false; message: string };

function describeBounds(b: DecimalBounds): string {
  return `a ${b.signed ? '' : 'non-negative '}decimal with at most ${b.integerDigits} integer digits and ${b.fractionDigits} decimal places`;
}

/**
 * Text (or a JSON number) -> the plain decimal text of the same value ("1.5e3" -> "1500",
 * "007.50" -> "7.5"), or why not. Exponent notation is read exactly, within the bounds; nothing is
 * rounded. Linear in the length of the text: no decimal arithmetic before the bounds hold.
 */
export function toBoundedDecimal(input: string | number, b: DecimalBounds): BoundedDecimalResult {
  const text = typeof input === 'number' ? (Number.isFinite(input) ? String(input) : '') : input.trim();
  const m = DECIMAL_TEXT.exec(text);
  const fail = (why: string): BoundedDecimalResult => ({ ok: false, message: `${why}: ${describeBounds(b)}` });
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return fail('not a decimal number');
  const [, sign, intPart = '', fracPart = '', expText] = m;
  if (sign && !b.signed) return fail('must not be negative');
  let digits = (intPart + fracPart).replace(/^0+/, '');
  // the value is digits × 10^(exp − fracPart.length); an all-zero mantissa is zero whatever the exponent
  if (digits === '') return { ok: true, value: '0' };
  if (expText !== undefined && expText.replace(/^[-+]?0*/, '').length > MAX_EXPONENT_CHARS) return fail('exponent out of range');
  let scale = fracPart.length - Number(expText ?? 0);
  // trailing zeros after the point carry nothing: "1.50000000" fits 2 decimal places
  const cut = Math.min(trailingZeros(digits), Math.max(scale, 0));
  digits = digits.slice(0, digits.length - cut);
  scale -= cut;
  if (Math.max(digits.length - scale, 0) > b.integerDigits) return fail('too many integer digits');
  if (scale > b.fractionDigits) return fail('too many decimal places');
  const neg = sign === '-' ? '-' : '';
  if (scale <= 0) return { ok: true, value: `${neg}${digits}${'0'.repeat(-scale)}` };
  const padded = digits.padStart(scale + 1, '0');
  return { ok: true, value: `${neg}${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}` };
}

// A loop, not /0+$/: that regex retries from every zero of a long run and is quadratic.
function trailingZeros(digits: string): number {
  let n = 0;
  while (n < digits.length && digits.charCodeAt(digits.length - 1 - n) === 48) n++;
  return n;
}

/**
 * A decimal within bounds, accepted as a JSON string or number, out as its plain text (never
 * exponent notation, never a float). The error names the bounds; zod adds the field's path.
 */
export function boundedDecimal(b: DecimalBounds) {
  return z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      const r = toBoundedDecimal(v, b);
      if (r.ok) return r.value;
      ctx.addIssue({ code: 'custom', message: r.message });
      return z.NEVER;
    })
    .describe(`${describeBounds(b)}, as a string (preferred) or a number`);
}

/**
 * Digits allowed per domain (README "Decimal bounds"). Columns: numeric(p, s) allows p − s integer
 * digits and s places.
 */
export const DECIMAL_BOUNDS = {
  /**
   * Energy and demand in quotes (kWh, kVAh, kVArh, kW, kVA): 10^12 kWh is far above any
   * consumer's year; 24 places is the engine's exact interval scale (scaled.ts), so doubles from
   * load profiles (up to 17 significant digits) are taken exactly.
   */
  quantity: { integerDigits: 12, fractionDigits: 24 },
  /** Sanctioned load and contract demand: the accounts columns, numeric(12, 3). */
  load: { integerDigits: 9, fractionDigits: 3 },
  /** Multiplying factor: the meters column, numeric(12, 4). */
  multiplyingFactor: { integerDigits: 8, fractionDigits: 4 },
  /**
   * Tariff figures (rates, charges, slab and tier bounds, percentages): money to 12 integer digits;
   * 20 places holds any rate of 12 significant digits down to 10^-8 (URDB imports keep 12).
   */
  tariffFigure: { integerDigits: 12, fractionDigits: 20, signed: true },
} as const satisfies Record<string, DecimalBounds>;
