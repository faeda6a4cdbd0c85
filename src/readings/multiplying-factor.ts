/**
 * Values with the meter's multiplying factor applied ("primary" values). A CT/PT-operated (HT)
 * meter records what its secondary side sees; energy billed = register delta × MF, where MF = CT
 * ratio × PT ratio / meter constant (domain primer). The MF scales energy (kWh, kVAh, kvarh),
 * demand and power (kW, kVA); it does not apply to voltage or current (those scale by the PT or
 * the CT ratio alone, which the meter record does not split), power factor, frequency or counts:
 * there the primary value is null rather than a wrong number. Pure.
 */
import { Decimal } from 'decimal.js';
import { channelInfo } from './channels.js';

const MF_UNITS = new Set(['kWh', 'kVAh', 'kvarh', 'kW', 'kVA']);

/**
 * Exact products: a reading has ≤ 15 integer and ≤ 9 fraction digits (payload contract), an MF
 * ≤ 8 and ≤ 4 (numeric(12, 4)); their product has at most 36 significant digits, so 40 digits of
 * precision never round. A named clone keeps these settings out of every other module.
 */
const MfDecimal = Decimal.clone({ precision: 40, toExpNeg: -9e15, toExpPos: 9e15 });

export function mfApplies(channel: string): boolean {
  const unit = channelInfo(channel)?.unit;
  return unit !== undefined && MF_UNITS.has(unit);
}

/** value × mf as a plain decimal string, or null where the MF does not apply to the channel. */
export function applyMf(channel: string, value: string, mf: string): string | null {
  if (!mfApplies(channel)) return null;
  return new MfDecimal(value).times(mf).toFixed();
}
