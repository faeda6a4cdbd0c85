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
