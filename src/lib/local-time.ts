/**
 * The one time-zone implementation: local civil time of the utility's (or a tariff's) zone for
 * the tariff engine, the simulator and the reading queries. No Date objects in the hot path.
 * Days are counted from 1970-01-01 (day 0, a Thursday). Zone offsets come from Intl (the IANA
 * database Node ships) and are cached per UTC day: a day whose start and end have the same
 * offset has no transition; otherwise that day is resolved per quarter hour (DST switches fall
 * on quarter hours). Memoisation only; no clock, no I/O.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(n: number): { y: number; m: number; d: number } {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: era * 400 + yoe + (m <= 2 ? 1 : 0), m, d };
}

/** 'YYYY-MM-DD' -> day number. The string is assumed valid (zod checked it). */
export function dayOf(iso: string): number {
  return daysFromCivil(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));
}

export function isoOfDay(n: number): string {
  const { y, m, d } = civilFromDays(n);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekdayOfDay(n: number): number {
  return (((n + 4) % 7) + 7) % 7;
}

/** Calendar month index (year*12 + month-1) of a day: used for ratchet look-back arithmetic. */
export function monthIndexOfDay(n: number): number {
  const { y, m } = civilFromDays(n);
  return y * 12 + (m - 1);
}

/** Whether `tz` is an IANA zone this runtime knows (config and tariff files are checked with it). */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Offset (local - UTC) in ms at a UTC instant, straight from Intl. */
export function rawOffsetMs(tz: string, utcMs: number): number {
  const base = Math.floor(utcMs / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(base))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const local = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return local - base;
}

const dayCache = new Map<string, number | null>();
const QUARTER_MS = 15 * MINUTE_MS;
/** A bound on the memo (a long-running process sees ever new days): cleared, not evicted, when full. */
const CACHE_MAX = 200_000;

function remember(key: string, value: number | null): void {
  if (dayCache.size >= CACHE_MAX) dayCache.clear();
  dayCache.set(key, value);
}

/** Offset of a whole UTC day, or null when the zone changes offset during it. Cached. */
export function dayOffsetMs(tz: string, utcDay: number): number | null {
  const key = `${tz}|${utcDay}`;
  let constant = dayCache.get(key);
  if (constant === undefined) {
    const start = rawOffsetMs(tz, utcDay * DAY_MS);
    const end = rawOffsetMs(tz, (utcDay + 1) * DAY_MS - 1000);
    constant = start === end ? start : null;
    remember(key, constant);
  }
  return constant;
}

/** Offset (local - UTC) in ms at a UTC instant, cached. */
export function offsetMs(tz: string, utcMs: number): number {
  const constant = dayOffsetMs(tz, Math.floor(utcMs / DAY_MS));
  if (constant !== null) return constant;
  const q = Math.floor(utcMs / QUARTER_MS);
  const qKey = `${tz}|q${q}`;
  let off = dayCache.get(qKey);
  if (off === undefined || off === null) {
    off = rawOffsetMs(tz, q * QUARTER_MS);
    remember(qKey, off);
  }
  return off;
}

/**
 * UTC instant at which local day `day` begins in `tz`: its midnight, or — in a zone that skips
 * midnight when DST begins (America/Santiago, 8 Sep 2024: 00:00 −04 → 01:00 −03) — the moment of
 * the switch. Where midnight happens twice, the first. The offsets before and after the day are
 * tried (|offset| ≤ 14 h, so ±18 h around the naive instant brackets it).
 */
export function utcOfLocalMidnight(tz: string, day: number): number {
  const midnight = day * DAY_MS; // local midnight read as if it were UTC
  const before = offsetMs(tz, midnight - 18 * HOUR_MS);
  const after = offsetMs(tz, midnight + 18 * HOUR_MS);
  const valid = [midnight - before, midnight - after].filter((utc) => utc + offsetMs(tz, utc) === midnight);
  if (valid.length > 0) return Math.min(...valid);
  // Midnight falls in a gap: the day begins at the transition, on a quarter hour between the two.
  const lo = midnight - Math.max(before, after);
  const hi = midnight - Math.min(before, after);
  for (let q = Math.ceil(lo / QUARTER_MS) * QUARTER_MS; q <= hi; q += QUARTER_MS) {
    if (q + offsetMs(tz, q) >= midnight) return q;
  }
  return hi;
}

/** Wall-clock parts of an instant in a zone. */
export interface LocalParts {
  year: number;
  /** 1-12. */
  month: number;
  day: number;
  /** 0 = Sunday. */
  weekday: number;
  /** Fractional hour of day to the second, e.g. 18.5 for 18:30. */
  hour: number;
  /** Days since 1970-01-01 in local time (a stable key for per-day factors). */
  dayNumber: number;
}

export function localParts(tz: string, utcMs: number): LocalParts {
  const localMs = utcMs + offsetMs(tz, utcMs);
  const dayNumber = Math.floor(localMs / DAY_MS);
  const { y, m, d } = civilFromDays(dayNumber);
  const secondOfDay = Math.floor((localMs - dayNumber * DAY_MS) / 1000);
  return { year: y, month: m, day: d, weekday: weekdayOfDay(dayNumber), hour: secondOfDay / 3600, dayNumber };
}
