/**
 * Honest accounting of a run (issue 14): the published readings, key and value, against the
 * database's contents. A reading is lost when its key is missing, wrong when its key is there
 * with another value, unexpected when the database holds a key nobody published. Values are
 * compared as decimals ("0.40" = "0.4"), never as floats. Used by bench:ingest and the
 * reliability suite.
 */
import { Decimal } from 'decimal.js';
import type pg from 'pg';
import type { MeterPayloadInput } from '../../src/ingest/payload-schema.js';

/** `serial|channel|epochMs` → the value as a canonical decimal string. */
export type ReadingValues = Map<string, string>;

/** The canonical form of a decimal value (no exponent, no trailing zeros). */
export function canonical(v: string | number): string {
  return new Decimal(typeof v === 'number' ? String(v) : v).toFixed();
}

/**
 * Adds a payload's readings to `out`. A key published twice with different values is counted in
 * `clashes` (a workload must not have any: the stored value would then depend on arrival order).
 */
export function addPublished(p: MeterPayloadInput, out: ReadingValues, clashes = { n: 0 }): ReadingValues {
  const serial = p.serial as string;
  const put = (channel: string, ts: number, v: unknown) => {
    const key = `${serial}|${channel}|${ts}`;
    const value = canonical(v as string | number);
    const before = out.get(key);
    if (before !== undefined && before !== value) clashes.n++;
    out.set(key, value);
  };
  for (const b of p.profiles ?? []) {
    const t0 = Date.parse(b.start);
    b.values.forEach((v, i) => {
      if (v !== null && v !== undefined) put(b.channel, t0 + (i + 1) * b.periodMin * 60_000, v);
    });
  }
  for (const r of p.registers ?? []) {
    const t = Date.parse(r.at);
    for (const [k, v] of Object.entries(r.values ?? {})) put(k, t, v);
    for (const [k, md] of Object.entries(r.md ?? {})) put(k, t, md.value);
    if (r.mdResetCount !== undefined) put('0.1.0', t, r.mdResetCount);
  }
  for (const s of p.instant ?? []) for (const [k, v] of Object.entries(s.values)) put(k, Date.parse(s.at), v);
  return out;
}

/** Every stored reading, key and value, except those on `exceptChannels` (probes). */
export async function storedReadings(pool: pg.Pool, exceptChannels: readonly string[] = []): Promise<ReadingValues> {
  const { rows } = await pool.query<{ k: string; v: string }>(
    `select m.serial || '|' || r.channel || '|' || (extract(epoch from r.ts) * 1000)::bigint as k, r.value::text as v
     from readings r join meters m on m.id = r.meter_id
     where not (r.channel = any($1::text[]))`,
    [exceptChannels],
  );
  const out: ReadingValues = new Map();
  for (const r of rows) out.set(r.k, canonical(r.v));
  return out;
}

export interface Accounting {
  published: number;
  stored: number;
  /** Published keys the database does not have. */
  lost: string[];
  /** Keys stored with another value than the one published. */
  wrongValue: Array<{ key: string; published: string; stored: string }>;
  /** Stored keys nobody published. */
  unexpected: string[];
}

export function account(published: ReadingValues, stored: ReadingValues): Accounting {
  const out: Accounting = { published: published.size, stored: stored.size, lost: [], wrongValue: [], unexpected: [] };
  for (const [key, value] of published) {
    const got = stored.get(key);
    if (got === undefined) out.lost.push(key);
    else if (got !== value) out.wrongValue.push({ key, published: value, stored: got });
  }
  for (const key of stored.keys()) if (!published.has(key)) out.unexpected.push(key);
  return out;
}

/** True when nothing was lost, changed or invented. */
export function exact(a: Accounting): boolean {
  return a.lost.length === 0 && a.wrongValue.length === 0 && a.unexpected.length === 0;
}

/** One line for logs: counts and the first few of each kind. */
export function describeAccounting(a: Accounting): string {
  const few = (xs: unknown[]) => (xs.length ? ` (e.g. ${JSON.stringify(xs.slice(0, 3))})` : '');
  return `published ${a.published}, stored ${a.stored}; lost ${a.lost.length}${few(a.lost)}, wrong value ${a.wrongValue.length}${few(a.wrongValue)}, unexpected ${a.unexpected.length}${few(a.unexpected)}`;
}

/** Dead letters by reason (conflicting_value: a different value arrived for a stored key). */
export async function deadLettersByReason(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ reason: string; n: string }>('select reason, count(*) as n from dead_letters group by reason');
  return Object.fromEntries(rows.map((r) => [r.reason, Number(r.n)]));
}
