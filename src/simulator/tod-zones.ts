/**
 * Local wall-clock parts of an instant in the utility's zone, fast enough for backfills of
 * millions of intervals: the zone offset is looked up once per 30-minute UTC bucket and cached
 * (zone transitions happen on such boundaries).
 */
export interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  /** 0 = Sunday. */
  weekday: number;
  /** Fractional hour of day, e.g. 18.5 for 18:30. */
  hour: number;
  /** Days since 1970-01-01 in local time (a stable key for per-day factors). */
  dayNumber: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();
const BUCKET_MS = 30 * 60_000;

/** Minutes east of UTC for `tz` at `utcMs`. */
export function zoneOffsetMinutes(tz: string, utcMs: number): number {
  const key = `${tz}|${Math.floor(utcMs / BUCKET_MS)}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  const offset = Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
  if (offsetCache.size > 50_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

export function localParts(tz: string, utcMs: number): LocalParts {
  const local = new Date(utcMs + zoneOffsetMinutes(tz, utcMs) * 60_000);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    weekday: local.getUTCDay(),
    hour: local.getUTCHours() + local.getUTCMinutes() / 60 + local.getUTCSeconds() / 3600,
    dayNumber: Math.floor(local.getTime() / 86_400_000),
  };
}

/** A time-of-day zone: [fromHour, toHour) in local time; toHour < fromHour wraps midnight. */
export interface TodZone {
  /** Register index: energy in this zone accumulates in 1.8.<index> (and 9.8.<index>). */
  index: number;
  name: string;
  fromHour: number;
  toHour: number;
}

/** The example zones of the domain primer: normal 06–18, peak 18–22, off-peak 22–06. */
export const DEFAULT_TOD_ZONES: readonly TodZone[] = [
  { index: 1, name: 'normal', fromHour: 6, toHour: 18 },
  { index: 2, name: 'peak', fromHour: 18, toHour: 22 },
  { index: 3, name: 'off-peak', fromHour: 22, toHour: 6 },
];

export function todZoneAt(zones: readonly TodZone[], localHour: number): TodZone {
  for (const z of zones) {
    const inside = z.fromHour <= z.toHour ? localHour >= z.fromHour && localHour < z.toHour : localHour >= z.fromHour || localHour < z.toHour;
    if (inside) return z;
  }
  throw new Error(`TOD zones do not cover hour ${localHour}`);
}
