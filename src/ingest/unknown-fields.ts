/**
 * Unknown fields in a payload are ignored, not fatal: gateway firmware adds fields (`"fw":
 * "2.1.7"`) long before the contract names them, and one such field dead-lettered the whole batch.
 * The schemas stay strict so a misspelt field is still seen: parsing strict first, the
 * `unrecognized_keys` issues name every unknown field; they are taken out of a copy and the copy is
 * parsed again, so wrong types and ranges are still refused. Pure.
 */
import type { z } from 'zod';

export type TolerantResult<T> =
  | { success: true; data: T; unknownFields: string[] }
  | { success: false; error: z.ZodError };

/** Rounds of removal: unknown fields at every depth are reported in one pass; one spare. */
const MAX_ROUNDS = 2;
const KEY_MAX = 40;
/**
 * Keys no firmware field is named and every prototype-pollution payload uses: a message carrying
 * one is refused as it was before unknown fields were tolerated, not quietly stripped and stored.
 */
const HOSTILE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function parseIgnoringUnknown<T>(schema: z.ZodType<T>, json: unknown, labelPrefix = ''): TolerantResult<T> {
  let value = json;
  const unknownFields: string[] = [];
  for (let round = 0; ; round++) {
    const r = schema.safeParse(value);
    if (r.success) return { success: true, data: r.data, unknownFields };
    const extra = r.error.issues.filter((i): i is z.core.$ZodIssueUnrecognizedKeys => i.code === 'unrecognized_keys');
    if (extra.length === 0 || round >= MAX_ROUNDS) return { success: false, error: r.error };
    if (extra.some((i) => i.keys.some((k) => HOSTILE_KEYS.has(k)))) return { success: false, error: r.error };
    for (const issue of extra) {
      value = withoutKeys(value, issue.path, issue.keys);
      for (const key of issue.keys) unknownFields.push(fieldLabel(labelPrefix, issue.path, key));
    }
  }
}

/**
 * A bounded label for a field: array positions become `[]`, OBIS-keyed record entries `*`, odd
 * characters `_`, long names are cut: `meters[].registers[].md.*.source`, whatever the payload.
 */
export function fieldLabel(prefix: string, path: readonly PropertyKey[], key: string): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === 'number') out += '[]';
    else out += `${out === '' ? '' : '.'}${/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(String(seg)) ? '*' : clean(String(seg))}`;
  }
  return `${out === '' ? '' : `${out}.`}${clean(key)}`;
}

function clean(s: string): string {
  return s.slice(0, KEY_MAX).replace(/[^A-Za-z0-9_-]/g, '_');
}

/** A copy of `value` without `keys` in the object at `path` (copies along the path only). */
function withoutKeys(value: unknown, path: readonly PropertyKey[], keys: readonly string[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (path.length === 0) {
    if (Array.isArray(value)) return value;
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const k of keys) delete copy[k];
    return copy;
  }
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const i = Number(head);
    const copy = value.slice();
    copy[i] = withoutKeys(value[i], rest, keys);
    return copy;
  }
  const obj = value as Record<string, unknown>;
  const k = String(head);
  return Object.prototype.hasOwnProperty.call(obj, k) ? { ...obj, [k]: withoutKeys(obj[k], rest, keys) } : obj;
}
