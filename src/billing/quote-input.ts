/**
 * Determinants of a bill period -> the tariff engine's register input (pure). Energies are
 * already multiplied by MF; TOD zone energies come from the zone registers when the meter has
 * all of them, else the total is billed as one zone (and the engine's TOD schedule is not used,
 * which the bill's warnings show). Decimals go to the engine as plain decimal text, exact.
 */
import type { Dec } from '../tariffs/decimal.js';
import type { RegisterInput } from '../tariffs/quote-schema.js';
import { MEASURE_CHANNEL, type TariffNeeds } from './tariff-needs.js';

export interface BillDeterminants {
  period: { from: string; to: string };
  /** billing cycles the period covers (1; more when a true-up spans estimated cycles) */
  cycles: number;
  /** channel -> energy of the period, MF applied */
  energy: ReadonlyMap<string, Dec>;
  /** MD of the period in the tariff's demand measure, MF applied */
  maxDemand?: Dec | undefined;
  connection: { sanctionedLoad?: string | undefined; contractDemand?: string | undefined };
  previousDemands?: { month: string; value: string }[];
}

export interface QuoteBuild {
  input: RegisterInput;
  /** what the builder had to simplify, for the bill's warnings */
  notes: string[];
}

const text = (d: Dec) => d.toFixed();

export function toQuoteInput(d: BillDeterminants, needs: TariffNeeds): QuoteBuild {
  const notes: string[] = [];
  const energy: RegisterInput['energy'] = {};
  for (const [measure, zones] of needs.measures) {
    const prefix = MEASURE_CHANNEL[measure];
    const total = d.energy.get(`${prefix}.0`);
    const zoneValues = zones.map((_, i) => d.energy.get(`${prefix}.${i + 1}`));
    if (zones.length > 0 && zoneValues.every((v) => v !== undefined)) {
      energy[measure] = Object.fromEntries(zones.map((z, i) => [z, text(zoneValues[i] as Dec)]));
    } else if (total !== undefined) {
      energy[measure] = text(total);
      if (zones.length > 0) notes.push(`${measure}: no TOD zone registers for this period; billed as one total`);
    }
  }
  const lag = d.energy.get('5.8.0');
  if (lag !== undefined) energy.kVArh = text(lag);
  const maxDemand: RegisterInput['maxDemand'] = {};
  if (needs.demand !== undefined && d.maxDemand !== undefined) maxDemand[needs.demand] = text(d.maxDemand);
  const input: RegisterInput = {
    kind: 'registers',
    period: { from: d.period.from, to: d.period.to },
    connection: {
      ...(d.connection.sanctionedLoad !== undefined ? { sanctionedLoad: d.connection.sanctionedLoad } : {}),
      ...(d.connection.contractDemand !== undefined ? { contractDemand: d.connection.contractDemand } : {}),
    },
    months: d.cycles,
    previousDemands: d.previousDemands ?? [],
    energy,
    maxDemand,
    boundaryReadings: [],
  };
  return { input, notes };
}
