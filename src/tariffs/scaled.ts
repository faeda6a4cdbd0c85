/**
 * Exact fixed-point sums for interval data: each reading becomes a BigInt of 10^-24 units, so
 * a year of intervals is summed exactly without a decimal.js operation per reading (the
 * performance budget) and only bucket totals become decimals.
 */
import { ValidationError } from '../lib/errors.js';
import { D, type Dec } from './decimal.js';

export const SCALE = 24;
const PAD = '0'.repeat(SCALE);
const PLAIN = /^(\d+)(?:\.(\d+))?$/;

export function toScaled(v: string | number, where: string): bigint {
  const s = typeof v === 'number' ? String(v) : v;
  const m = PLAIN.exec(s);
  if (m) {
    const frac = m[2] ?? '';
    if (frac.length <= SCALE) return BigInt(m[1] + frac + PAD.slice(frac.length));
  }
  const d = new D(s).times(`1e${SCALE}`);
  if (!d.isInteger() || d.isNegative()) throw new ValidationError(`${where}: ${s} is negative or has more than ${SCALE} decimal places`);
  return BigInt(d.toFixed());
}

export function fromScaled(b: bigint): Dec {
  return new D(b, SCALE).trim();
}
