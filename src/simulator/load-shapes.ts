/**
 * Daily load shapes: the fraction of a meter's typical peak load drawn at a local hour, by class
 * of consumer. Hourly points (index = hour of day) are interpolated linearly. The shapes follow the
 * familiar Indian patterns: households peak in the morning and more strongly in the evening
 * (lighting, cooking, cooling), shops and offices draw through the trading day, industry follows
 * its shifts with dips at the change-overs and lunch.
 */
export type LoadProfile = 'domestic' | 'commercial' | 'industrial_single_shift' | 'industrial_two_shift' | 'industrial_three_shift';

// prettier-ignore
const HOURLY: Record<LoadProfile, readonly number[]> = {
  //                        0     1     2     3     4     5     6     7     8     9    10    11    12    13    14    15    16    17    18    19    20    21    22    23
  domestic:               [0.22, 0.18, 0.16, 0.15, 0.16, 0.25, 0.45, 0.60, 0.55, 0.40, 0.32, 0.30, 0.32, 0.33, 0.31, 0.30, 0.33, 0.42, 0.70, 0.90, 1.00, 0.92, 0.65, 0.38],
  commercial:             [0.08, 0.07, 0.07, 0.07, 0.07, 0.08, 0.10, 0.15, 0.30, 0.55, 0.80, 0.90, 0.95, 0.92, 0.90, 0.92, 0.95, 0.98, 1.00, 0.98, 0.90, 0.60, 0.25, 0.12],
  industrial_single_shift:[0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.12, 0.30, 0.75, 0.95, 1.00, 1.00, 0.95, 0.55, 0.90, 1.00, 0.98, 0.85, 0.35, 0.15, 0.12, 0.10, 0.10, 0.10],
  industrial_two_shift:   [0.20, 0.15, 0.15, 0.15, 0.15, 0.20, 0.55, 0.90, 0.95, 1.00, 1.00, 0.98, 0.95, 0.70, 0.60, 0.92, 0.98, 1.00, 0.98, 0.95, 0.90, 0.85, 0.45, 0.25],
  industrial_three_shift: [0.82, 0.82, 0.80, 0.80, 0.80, 0.82, 0.60, 0.88, 0.95, 1.00, 1.00, 0.98, 0.96, 0.85, 0.62, 0.90, 0.96, 0.98, 0.95, 0.92, 0.90, 0.88, 0.62, 0.80],
};

/** Fraction of peak load (0..1+) at a fractional local hour. */
export function shapeAt(profile: LoadProfile, hour: number): number {
  const pts = HOURLY[profile];
  const h = ((hour % 24) + 24) % 24;
  const i = Math.floor(h);
  const a = pts[i] as number;
  const b = pts[(i + 1) % 24] as number;
  return a + (b - a) * (h - i);
}

/**
 * Weekly and seasonal factors. Households use more in the pre-monsoon summer (April–June, coolers
 * and air conditioners) and a little more at weekends; shops trade less on Sundays; single- and
 * two-shift industry mostly closes on Sundays, continuous-process plants do not.
 */
export function calendarFactor(profile: LoadProfile, month: number, weekday: number): number {
  const summer = month >= 4 && month <= 6 ? 1 : month === 7 || month === 3 || month === 9 || month === 8 ? 0.5 : 0;
  const winter = month === 12 || month === 1 ? 1 : 0;
  switch (profile) {
    case 'domestic':
      return (1 + 0.45 * summer + 0.1 * winter) * (weekday === 0 || weekday === 6 ? 1.08 : 1);
    case 'commercial':
      return (1 + 0.25 * summer) * (weekday === 0 ? 0.55 : 1);
    case 'industrial_single_shift':
    case 'industrial_two_shift':
      return weekday === 0 ? 0.2 : 1;
    case 'industrial_three_shift':
      return weekday === 0 ? 0.85 : 1;
  }
}

/** Typical PF range by profile (before capacitor banks act): [low, high]. */
export function pfRange(profile: LoadProfile, ht: boolean): [number, number] {
  if (ht) return [0.93, 0.995];
  switch (profile) {
    case 'domestic':
      return [0.88, 0.97];
    case 'commercial':
      return [0.86, 0.96];
    default:
      return [0.8, 0.94];
  }
}

/**
 * Rooftop-solar generation as a fraction of the plant's rating at a local hour: a clear-sky bell
 * from 06:30 to 18:00, peaking at noon.
 */
export function solarAt(hour: number): number {
  if (hour <= 6.5 || hour >= 18) return 0;
  const x = (hour - 12.25) / 5.75;
  return Math.max(0, Math.cos((x * Math.PI) / 2)) ** 1.5;
}
