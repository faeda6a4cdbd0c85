/** Time-of-day zones for the simulator's TOD registers (local time comes from src/lib/local-time.ts). */
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
