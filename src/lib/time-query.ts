/**
 * `from` / `to` query parameters: an instant with its offset, or a calendar date meaning local
 * midnight in the utility's zone (TIMEZONE). A date is what a person types (`from=2026-10-01`),
 * and the UTC day is the wrong one in India: 2026-10-01T00:00:00Z is 05:30 local.
 *
 * `+` in a query string means a space (application/x-www-form-urlencoded), so an offset typed as
 * `+05:30` arrives as ` 05:30`; it must be sent as `%2B05:30`. A space exactly where the offset's
 * sign belongs (after the time, before hh:mm) cannot mean anything else, so it is read as `+`.
 */
import { z } from 'zod';
import { dayOf, utcOfLocalMidnight } from './local-time.js';
import { boundedIsoDate, boundedIsoDateTime } from './text-schema.js';

const DECODED_PLUS = /^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?) (\d\d:\d\d)$/;
const DATE_ONLY = /^\d{4}-\d\d-\d\d$/;

export const instantQueryParam = z
  .string()
  .max(40)
  .transform((s) => s.replace(DECODED_PLUS, '$1+$2'))
  .pipe(z.union([boundedIsoDateTime, boundedIsoDate], { error: 'an ISO 8601 timestamp with offset (send + as %2B) or a date YYYY-MM-DD' }));

/** Appended to each from/to description. */
export const INSTANT_PARAM_HELP =
  'An ISO 8601 timestamp with offset (URL-encode `+` as `%2B`: `2025-01-15T00:00:00%2B05:30`), or a date `YYYY-MM-DD` = local midnight in the utility\'s TIMEZONE.';

/** The instant a validated parameter stands for: a date is local midnight in `timezone`. */
export function resolveInstant(value: string, timezone: string): Date {
  return DATE_ONLY.test(value) ? new Date(utcOfLocalMidnight(timezone, dayOf(value))) : new Date(value);
}
