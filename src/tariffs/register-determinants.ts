/**
 * Register input -> determinants per segment. Energy of a segment comes from the cumulative
 * energy known at the period start (0), at boundary readings, and at the period end (the total),
 * interpolated linearly by days between known points: with no boundary reading that is the
 * pro-rata-by-days split, with a reading at the revision date it is exact. Demand registers are
 * one MD for the whole bill period (the meter's MD is reset once per bill). Pure.
 */
import { ValidationError } from '../lib/errors.js';
import { dec, plain, quotientForRounding, sumOf, ZERO, type Dec } from './decimal.js';
import type { CompiledVersion, Determinants } from './engine-types.js';
import { dayOf } from '../lib/local-time.js';
import type { RegisterInput } from './quote-schema.js';
import type { Segment } from './segments.js';

type Qty = number | string | Record<string, number | string>;
type EnergyKey = 'kWh' | 'kVAh' | 'kVArh';
interface Point { day: number; values: Map<string, Dec> }

/** Zone map (or '' -> total) of decimals. */
function toMap(q: Qty): Map<string, Dec> {
  return typeof q === 'object' ? new Map(Object.entries(q).map(([k, v]) => [k, dec(v)])) : new Map([['', dec(q)]]);
}

/** The quote's registers as decimals, parsed and summed once per quote: PF, energy and demand share them. */
export interface ParsedRegisters {
  energy: Partial<Record<EnergyKey, { values: Map<string, Dec>; total: Dec }>>;
  byZone: Map<string, Dec> | undefined;
}

export function parseRegisters(input: RegisterInput): ParsedRegisters {
  const energy: ParsedRegisters['energy'] = {};
  for (const key of ['kWh', 'kVAh', 'kVArh'] as const) {
    const q = input.energy[key];
    if (q === undefined) continue;
    const values = toMap(q);
    energy[key] = { values, total: sumOf(values.values()) };
  }
  return { energy, byZone: input.maxDemand.byZone ? toMap(input.maxDemand.byZone) : undefined };
}

function points(input: RegisterInput, regs: ParsedRegisters, key: EnergyKey, fromDay: number, toDay: number): Point[] | undefined {
  const end = regs.energy[key]?.values;
  if (end === undefined) return undefined;
  const zero = new Map([...end.keys()].map((k) => [k, ZERO]));
  const pts: Point[] = [{ day: fromDay, values: zero }];
  for (const b of input.boundaryReadings) {
    const v = b[key];
    if (v === undefined) continue;
    const day = dayOf(b.date);
    if (day <= fromDay || day >= toDay) throw new ValidationError(`boundary reading ${b.date} is not inside the bill period`);
    const values = toMap(v);
    if (values.size !== end.size || [...values.keys()].some((k) => !end.has(k))) {
      throw new ValidationError(`boundary reading ${b.date}: ${key} must have the same zones as the period total`);
    }
    pts.push({ day, values });
  }
  pts.push({ day: toDay, values: end });
  return pts.sort((a, b) => a.day - b.day);
}

function cumulative(pts: Point[], key: string, day: number): Dec {
  const i = Math.max(1, pts.findIndex((p) => p.day >= day));
  const a = pts[i - 1] as Point;
  const b = pts[i] as Point;
  const va = a.values.get(key) as Dec;
  const vb = b.values.get(key) as Dec;
  if (day === b.day) return vb;
  if (day === a.day) return va;
  return va.plus(vb.minus(va).times(day - a.day).div(b.day - a.day));
}

function segmentValues(pts: Point[], seg: Segment, what: string): Map<string, Dec> {
  const keys = [...(pts[pts.length - 1] as Point).values.keys()];
  return new Map(keys.map((k) => {
    const v = cumulative(pts, k, seg.toDay).minus(cumulative(pts, k, seg.fromDay));
    if (v.isNegative()) throw new ValidationError(`${what}${k ? ` zone ${k}` : ''}: boundary readings exceed the period total`);
    return [k, v];
  }));
}

/** Map the input's zones onto every schedule of the version whose zones cover them. */
function bySchedule(v: CompiledVersion, values: Map<string, Dec>, total: Dec): Map<string, Map<string, Dec>> {
  const out = new Map<string, Map<string, Dec>>([['', new Map([['all', total]])]]);
  if (values.has('')) return out;
  for (const s of v.schedules.values()) {
    if ([...values.keys()].some((k) => !s.zones.includes(k))) continue;
    out.set(s.id, new Map(s.zones.map((z) => [z, values.get(z) ?? ZERO])));
  }
  return out;
}

/** One segment, no boundary reading: the period's registers as they are (no interpolation). */
function wholePeriod(regs: ParsedRegisters, seg: Segment, period: Omit<Determinants, 'energy' | 'energyTotal' | 'kVArh'>): Determinants {
  const det: Determinants = {
    maxDemand: period.maxDemand, zoneDemand: period.zoneDemand, billingPeak: period.billingPeak, powerFactor: period.powerFactor,
    energy: { kWh: undefined, kVAh: undefined }, energyTotal: { kWh: undefined, kVAh: undefined }, kVArh: undefined,
  };
  for (const m of ['kWh', 'kVAh'] as const) {
    const e = regs.energy[m];
    if (e === undefined) continue;
    det.energy[m] = bySchedule(seg.version, e.values, e.total);
    det.energyTotal[m] = e.total;
  }
  det.kVArh = regs.energy.kVArh?.total;
  return det;
}

export function registerDeterminants(input: RegisterInput, regs: ParsedRegisters, segs: Segment[], period: Omit<Determinants, 'energy' | 'energyTotal' | 'kVArh'>): Determinants[] {
  const fromDay = (segs[0] as Segment).fromDay;
  const toDay = (segs[segs.length - 1] as Segment).toDay;
  const whole = segs.length === 1 && input.boundaryReadings.length === 0;
  if (whole) return [wholePeriod(regs, segs[0] as Segment, period)];
  const pts = (key: EnergyKey) => points(input, regs, key, fromDay, toDay);
  const pk = { kWh: pts('kWh'), kVAh: pts('kVAh'), kVArh: pts('kVArh') };
  return segs.map((seg) => {
    const det: Determinants = { ...period, energy: { kWh: undefined, kVAh: undefined }, energyTotal: { kWh: undefined, kVAh: undefined }, kVArh: undefined };
    for (const m of ['kWh', 'kVAh'] as const) {
      const known = pk[m];
      if (!known) continue;
      const values = segmentValues(known, seg, m);
      const total = sumOf(values.values());
      det.energy[m] = bySchedule(seg.version, values, total);
      det.energyTotal[m] = total;
    }
    if (pk.kVArh) det.kVArh = segmentValues(pk.kVArh, seg, 'kVArh').get('');
    return det;
  });
}

/**
 * PF = kWh / kVAh, exact for its later rounding (decimal.ts). Active energy never exceeds apparent
 * energy, so kWh > kVAh is impossible data (a swapped or faulty register): refused, never capped
 * at 1, which would earn the maximum PF incentive without a word.
 */
export function energyPowerFactor(kWh: Dec, kVAh: Dec): Dec {
  if (kWh.gt(kVAh)) {
    throw new ValidationError(`kWh ${plain(kWh)} exceeds kVAh ${plain(kVAh)}: active energy cannot exceed apparent energy (power factor above 1); check the meter data`);
  }
  return quotientForRounding(kWh, kVAh);
}

/** PF of the whole period: given, or kWh/kVAh, or kWh/sqrt(kWh² + kVArh²). */
export function registerPowerFactor(input: RegisterInput, regs: ParsedRegisters): Dec | undefined {
  if (input.powerFactor !== undefined) return dec(input.powerFactor);
  const kWh = regs.energy.kWh?.total;
  const kVAh = regs.energy.kVAh?.total;
  const kVArh = regs.energy.kVArh?.total;
  if (kWh === undefined) return undefined;
  if (kVAh !== undefined && kVAh.gt(0)) return energyPowerFactor(kWh, kVAh);
  if (kVArh !== undefined) {
    const s = kWh.times(kWh).plus(kVArh.times(kVArh)).sqrt();
    return s.isZero() ? undefined : kWh.div(s);
  }
  return undefined;
}

/** Recorded demand registers of the period, keyed like interval-derived ones. */
export function registerDemand(input: RegisterInput, regs: ParsedRegisters, v: CompiledVersion): Pick<Determinants, 'maxDemand' | 'zoneDemand' | 'billingPeak'> {
  const md = input.maxDemand;
  const byZone = regs.byZone;
  const zoneMax = byZone && byZone.size ? [...byZone.values()].reduce((a, b) => (b.gt(a) ? b : a)) : undefined;
  const maxDemand = {
    kW: md.kW !== undefined ? dec(md.kW) : undefined,
    kVA: md.kVA !== undefined ? dec(md.kVA) : undefined,
  };
  const zoneDemand = new Map<string, Map<string, Dec>>();
  if (byZone) {
    for (const s of v.schedules.values()) {
      const m = new Map(s.zones.filter((z) => byZone.has(z)).map((z) => [z, byZone.get(z) as Dec]));
      if (m.size) for (const measure of ['kW', 'kVA']) zoneDemand.set(`${s.id}|${measure}`, m);
    }
  }
  const bd = v.version.billingDemand;
  let billingPeak = bd ? (maxDemand[bd.measure] ?? zoneMax) : undefined;
  if (bd?.zones && byZone) {
    const inZones = bd.zones.map((z) => byZone.get(z)).filter((x): x is Dec => x !== undefined);
    billingPeak = inZones.length ? inZones.reduce((a, b) => (b.gt(a) ? b : a)) : billingPeak;
  }
  return { maxDemand, zoneDemand, billingPeak };
}
