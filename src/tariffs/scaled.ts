/**
 * Exact fixed-point sums for interval data: each reading becomes a BigInt of 10^-24 units, so
 * a year of intervals is summed exactly without a decimal.js operation per reading (the
 * performance budget) and only bucket totals become decimals.
 */
import { ValidationError } from '../lib/errors.js';
import { D, ZERO, type Dec } from './decimal.js';

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
  // exponent forms ("1.5e3", String(1e-7)): decimal.js keeps every digit it reads, and toFixed at
  // SCALE places only pads, so the digits without the point are the scaled integer, exactly
  const d = new D(s);
  if (d.decimalPlaces() > SCALE || d.isNegative()) throw new ValidationError(`${where}: ${s} is negative or has more than ${SCALE} decimal places`);
  return BigInt(d.toFixed(SCALE).replace('.', ''));
}

/** The decimal b × 10^-SCALE: decimal.js reads the exponent form exactly (no division). */
export function fromScaled(b: bigint): Dec {
  return b === 0n ? ZERO : new D(`${b}e-${SCALE}`);
}
