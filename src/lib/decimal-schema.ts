import { z } from 'zod';

/** A non-negative decimal quantity, accepted as a JSON string or number, kept as a string. */
export const decimalString = z
  .union([z.string().trim(), z.number().finite()])
  .transform((v) => (typeof v === 'number' ? String(v) : v))
  .pipe(z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'a non-negative decimal with at most 6 decimal places'));

export const positiveDecimalString = decimalString.refine((s) => Number(s) > 0, 'must be greater than zero');

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
