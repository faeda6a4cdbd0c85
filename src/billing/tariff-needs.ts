/**
 * What a tariff needs from the meter (pure): which registers, in which TOD zones, and whether it
 * bills demand. Zone registers are numbered in the order of the tariff schedule's zones
 * (x.8.1 = the schedule's first zone, x.8.2 the second ...: ingest/channels.ts), so a TOD bill
 * takes its zone energies straight from the meter.
 */
import { dayOf } from '../lib/local-time.js';
import type { TariffFile, TariffVersion } from '../tariffs/tariff-schema.js';

export const MEASURE_CHANNEL = { kWh: '1.8', kVAh: '9.8' } as const;
export type EnergyMeasure = keyof typeof MEASURE_CHANNEL;

export interface TariffNeeds {
  /** energy measures billed, each with its TOD zones (empty: total only) */
  measures: Map<EnergyMeasure, string[]>;
  /** demand measure of the billing demand rule, when the tariff has one */
  demand: 'kW' | 'kVA' | undefined;
  /** MD integration period (minutes) for demand from interval data */
  demandIntervalMinutes: number | undefined;
}

/** The tariff version in force on a local ISO date (the bill's last day), else the latest one. */
export function versionOn(file: TariffFile, isoDay: string): TariffVersion {
  const day = dayOf(isoDay);
  const inForce = file.versions.find((v) => dayOf(v.validFrom) <= day && (v.validTo === undefined || day <= dayOf(v.validTo)));
  return inForce ?? (file.versions[file.versions.length - 1] as TariffVersion);
}

export function tariffNeeds(version: TariffVersion): TariffNeeds {
  const measures = new Map<EnergyMeasure, string[]>();
  const note = (m: EnergyMeasure, zones: string[]) => {
    const had = measures.get(m);
    if (!had || had.length < zones.length) measures.set(m, zones);
  };
  for (const c of version.components) {
    if (c.kind === 'energy') note(c.measure, c.schedule ? [...(version.schedules[c.schedule]?.zones ?? [])] : []);
    if (c.kind === 'per_unit') note(c.measure, []);
  }
  if (version.components.some((c) => c.kind === 'power_factor')) {
    note('kWh', []);
    note('kVAh', []);
  }
  const bd = version.billingDemand;
  return { measures, demand: bd?.measure, demandIntervalMinutes: bd?.demandIntervalMinutes };
}

/** Register channels to read for these needs: totals, and zone registers x.8.1 ... */
export function neededChannels(needs: TariffNeeds): string[] {
  const out: string[] = [];
  for (const [m, zones] of needs.measures) {
    out.push(`${MEASURE_CHANNEL[m]}.0`);
    zones.forEach((_, i) => out.push(`${MEASURE_CHANNEL[m]}.${i + 1}`));
  }
  return out;
}
