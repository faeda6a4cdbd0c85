import { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * An integer in a query string or path: plain decimal digits only. `z.coerce.number()` took
 * `0x10`, `1e2`, ` 5` and `` (as 0) as well, none of which a client means as written.
 */
export function queryInt(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,15}$/, 'an integer written in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/**
 * A page size query parameter, 1–max. Its limits are written into its description in one form
 * ("1–500, default 50") that the README repeats per route (a test compares the two).
 */
export function pageLimit(max: number, def: number) {
  return queryInt(1, max).default(def).describe(`Page size, 1–${max.toLocaleString('en-US')} (default ${def.toLocaleString('en-US')})`);
}

/**
 * Keyset (cursor) pagination. The cursor is opaque to clients: base64url of the last row's id.
 * Keyset rather than offset so a page stays cheap and stable while rows are being added.
 */
export const pageQuerySchema = z.object({
  limit: pageLimit(500, 50),
  cursor: z.string().max(200).optional().describe('Opaque cursor from the previous page\'s nextCursor.'),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(lastId: number): string {
  return Buffer.from(`id:${lastId}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const m = /^id:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new ValidationError('invalid cursor', { cursor });
  return Number(m[1]);
}

/** Rows fetched with limit + 1: the extra row only tells whether another page exists. */
export function toPage<R extends { id: number }, T>(rows: R[], limit: number, map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), nextCursor: more && last ? encodeCursor(last.id) : null };
}
