/**
 * Interval aggregates -> determinants per segment. Energy is per segment; demand (MD, zone
 * peaks, the billing-demand peak) and PF are for the whole bill period, like a meter's MD
 * register, so register and interval bills of the same consumption agree. Pure.
 */
import type { Dec } from './decimal.js';
import type { Determinants } from './engine-types.js';
import { aggregateSegment, type ParsedSeries, type SegmentAggregate } from './interval-aggregate.js';
import { energyPowerFactor } from './register-determinants.js';
import { fromScaled } from './scaled.js';
import type { Segment } from './segments.js';

const maxBig = (a: bigint | undefined, b: bigint | undefined) => (a === undefined ? b : b === undefined || a >= b ? a : b);

export function intervalDeterminants(s: ParsedSeries, segs: Segment[], warnings: string[]): Determinants[] {
  const aggs = segs.map((seg) => aggregateSegment(s, seg.version, seg.fromDay, seg.toDay));
  const period = periodDemand(aggs);
  const days = segs.reduce((n, x) => n + x.days, 0);
  const expected = (days * 1440) / s.intervalMinutes;
  const got = aggs.reduce((n, a) => n + a.count, 0);
  if (got < expected) warnings.push(`${got} of ${expected} intervals present; missing intervals count as zero consumption`);
  const kWh = aggs.reduce((n, a) => n + a.totals.kWh, 0n);
  const kVAh = s.kVAh ? aggs.reduce((n, a) => n + (a.totals.kVAh ?? 0n), 0n) : undefined;
  const powerFactor = kVAh !== undefined && kVAh > 0n ? energyPowerFactor(fromScaled(kWh), fromScaled(kVAh)) : undefined;
  return aggs.map((a) => ({
    ...period,
    powerFactor,
    energy: { kWh: a.energy.kWh, kVAh: a.energy.kVAh },
    energyTotal: { kWh: fromScaled(a.totals.kWh), kVAh: a.totals.kVAh === undefined ? undefined : fromScaled(a.totals.kVAh) },
    kVArh: undefined,
  }));
}

function periodDemand(aggs: SegmentAggregate[]): Pick<Determinants, 'maxDemand' | 'zoneDemand' | 'billingPeak'> {
  let kW: bigint | undefined;
  let kVA: bigint | undefined;
  let bp: bigint | undefined;
  const zones = new Map<string, Map<string, bigint>>();
  for (const a of aggs) {
    kW = maxBig(kW, a.peak.kW);
    kVA = maxBig(kVA, a.peak.kVA);
    bp = maxBig(bp, a.billingPeak);
    for (const [key, m] of a.zonePeak) {
      const into = zones.get(key) ?? new Map<string, bigint>();
      for (const [z, v] of m) into.set(z, maxBig(into.get(z), v) as bigint);
      zones.set(key, into);
    }
  }
  const toDec = (b: bigint | undefined): Dec | undefined => (b === undefined ? undefined : fromScaled(b));
  return {
    maxDemand: { kW: toDec(kW), kVA: toDec(kVA) },
    billingPeak: toDec(bp),
    zoneDemand: new Map([...zones].map(([k, m]) => [k, new Map([...m].map(([z, v]) => [z, fromScaled(v)]))])),
  };
}
