/** URDB tier helpers shared by the energy and demand converters. */
import type { UrdbTier } from './urdb-schema.js';

const UNBOUNDED = 1e37; // SAM writes 1e38 for "no limit"

export function bound(t: UrdbTier | undefined): number | null {
  return t?.max === undefined || t.max >= UNBOUNDED ? null : t.max;
}

/** Effective price = rate + adj, without binary-float noise (0.1 + 0.2 -> 0.3). */
export const price = (t: UrdbTier | undefined): number => clean((t?.rate ?? 0) + (t?.adj ?? 0));

export const clean = (x: number): number => Number(x.toPrecision(12));
