/**
 * The simulated meters: what each one is (class, load profile, size, CT/PT multiplying factor)
 * and where its registers start. Pure: everything is derived from a seed.
 */
import { createRng, gaussian, hashString, pick } from '../lib/prng.js';
import type { LoadProfile } from './load-shapes.js';
import { pfRange } from './load-shapes.js';

export interface SimMeter {
  serial: string;
  meterClass: 'lt' | 'ht';
  phases: 1 | 3;
  profile: LoadProfile;
  /** Typical peak draw on the primary side, kW. */
  peakKw: number;
  /** Registers count secondary-side energy; billed energy = register delta × MF (1 for LT). */
  multiplyingFactor: number;
  integrationPeriodMin: 15 | 30;
  installedAt: Date;
  /** Phase voltage at the meter terminals: 230 V (LT) or the PT secondary 63.5 V (HT). */
  nominalVoltage: number;
  /** Rooftop solar of a net-metered consumer, kW (0: none; then no export register). */
  solarKw: number;
  pfLow: number;
  pfHigh: number;
  seed: number;
}

export type ConsumerCategory = 'lt_domestic' | 'lt_non_domestic' | 'lt_industrial' | 'ht_industrial' | 'ht_non_industrial';

export interface MeterSpec {
  serial: string;
  meterClass: 'lt' | 'ht';
  phases: 1 | 3;
  category: ConsumerCategory;
  /** Sanctioned load (LT, kW) or contract demand (HT, kVA). */
  ratingKw: number;
  multiplyingFactor: number;
  integrationPeriodMin: 15 | 30;
  installedAt: Date;
}

/** Builds a simulated meter from its master data; the serial and run seed fix its behaviour. */
export function simMeterFromSpec(spec: MeterSpec, runSeed: number): SimMeter {
  const seed = (hashString(spec.serial) ^ Math.imul(runSeed | 0, 0x9e3779b1)) >>> 0;
  const rng = createRng(seed);
  const profile = profileFor(spec.category, rng.next());
  const ht = spec.meterClass === 'ht';
  // Households rarely draw their sanctioned load; HT plants run at 55-90 % of contract demand.
  const utilisation = ht ? 0.55 + 0.35 * rng.next() : spec.category === 'lt_domestic' ? 0.35 + 0.4 * rng.next() : 0.45 + 0.4 * rng.next();
  const [pfLow, pfHigh] = pfRange(profile, ht);
  const solar = spec.category === 'lt_domestic' && rng.next() < 0.1 ? Math.max(1, Math.round(spec.ratingKw * (0.5 + 0.5 * rng.next()))) : 0;
  return {
    serial: spec.serial,
    meterClass: spec.meterClass,
    phases: spec.phases,
    profile,
    peakKw: Math.max(0.2, spec.ratingKw * utilisation * (1 + 0.05 * gaussian(rng))),
    multiplyingFactor: spec.multiplyingFactor,
    integrationPeriodMin: spec.integrationPeriodMin,
    installedAt: spec.installedAt,
    nominalVoltage: ht ? 63.5 : 230,
    solarKw: solar,
    pfLow,
    pfHigh,
    seed,
  };
}

function profileFor(category: ConsumerCategory, u: number): LoadProfile {
  switch (category) {
    case 'lt_domestic':
      return 'domestic';
    case 'lt_non_domestic':
    case 'ht_non_industrial':
      return 'commercial';
    case 'lt_industrial':
      return u < 0.7 ? 'industrial_single_shift' : 'industrial_two_shift';
    case 'ht_industrial':
      return u < 0.5 ? 'industrial_three_shift' : 'industrial_two_shift';
  }
}

export interface SyntheticFleetOptions {
  lt: number;
  ht: number;
  seed: number;
  /** Meters are installed between 1 and 8 years before this instant. */
  now: Date;
}

/**
 * Synthetic meters (serials LT9000001.., HT90001..: outside the demo utility's ranges) for load
 * tests against a broker or a database seeded with the same fleet.
 */
export function syntheticFleet(opts: SyntheticFleetOptions): MeterSpec[] {
  const rng = createRng(opts.seed ^ 0x51f7);
  const out: MeterSpec[] = [];
  const installed = () => new Date(opts.now.getTime() - Math.floor((1 + 7 * rng.next()) * 365 * 86_400_000));
  for (let i = 0; i < opts.lt; i++) {
    const u = rng.next();
    const category: ConsumerCategory = u < 0.75 ? 'lt_domestic' : u < 0.92 ? 'lt_non_domestic' : 'lt_industrial';
    const ratingKw = pick(rng, category === 'lt_domestic' ? [1, 2, 3, 4, 5, 7] : category === 'lt_non_domestic' ? [2, 3, 5, 8, 10, 15] : [10, 15, 20, 35, 50, 75]);
    out.push({
      serial: `LT${9000001 + i}`,
      meterClass: 'lt',
      phases: ratingKw > 5 ? 3 : 1,
      category,
      ratingKw,
      multiplyingFactor: 1,
      integrationPeriodMin: 30,
      installedAt: installed(),
    });
  }
  for (let i = 0; i < opts.ht; i++) {
    out.push({
      serial: `HT${90001 + i}`,
      meterClass: 'ht',
      phases: 3,
      category: rng.next() < 0.8 ? 'ht_industrial' : 'ht_non_industrial',
      ratingKw: pick(rng, [150, 250, 400, 630, 800, 1200, 2000, 3500]),
      multiplyingFactor: pick(rng, [100, 200, 500, 1000]),
      integrationPeriodMin: rng.next() < 0.5 ? 15 : 30,
      installedAt: installed(),
    });
  }
  return out;
}
