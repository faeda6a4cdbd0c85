/** Rounding modes by name; the numbers are decimal.js's, so both libraries agree. */
export const RoundingMode = {
  UP: 0,
  DOWN: 1,
  CEIL: 2,
  FLOOR: 3,
  HALF_UP: 4,
  HALF_DOWN: 5,
  HALF_EVEN: 6,
} as const;
