/**
 * Edge schemas for values PostgreSQL stores in fixed types: text without NUL (a `text` column
 * rejects U+0000 and the request would end in a 500), dates and instants inside the years a
 * `date`/`timestamptz` holds and a utility can mean, integers inside int4.
 */
import { z } from 'zod';

const NO_NUL = (s: string) => !s.includes('\u0000');

/** Trimmed text of at most `max` characters, without NUL. */
export function plainText(max: number, min = 0) {
  return z.string().trim().min(min).max(max).refine(NO_NUL, 'must not contain NUL characters');
}

/** Years a meter reading, connection or installation can carry (PostgreSQL has no year 0000). */
const MIN_YEAR = 1900;
const MAX_YEAR = 9999;
const yearOk = (s: string) => {
  const y = Number(s.slice(0, 4));
  return y >= MIN_YEAR && y <= MAX_YEAR;
};

export const boundedIsoDate = z.iso.date().refine(yearOk, `a date in the years ${MIN_YEAR}–${MAX_YEAR}`).describe('YYYY-MM-DD');
export const boundedIsoDateTime = z.iso
  .datetime({ offset: true })
  // zod runs a refinement even after the format check failed: a string Date cannot read
  // (2026-13-01) must not reach toISOString, which throws (a 500 instead of a 400).
  .refine((s) => {
    const t = new Date(s);
    return yearOk(s) && !Number.isNaN(t.getTime()) && yearOk(t.toISOString());
  }, `a timestamp in the years ${MIN_YEAR}–${MAX_YEAR}`)
  .describe('ISO 8601 timestamp with offset');

export const INT4_MAX = 2_147_483_647;
