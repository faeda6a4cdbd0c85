/** Determinants printed on the bill (strings only, stable key order). */
import { plain, type Dec } from './decimal.js';
import type { BillingDemandResult, Determinants } from './engine-types.js';

function zonesText(zones: Map<string, Dec>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [z, v] of zones) out[z] = plain(v);
  return out;
}

export function describeDeterminants(det: Determinants, bd: BillingDemandResult | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of ['kWh', 'kVAh'] as const) {
    const e = det.energy[m];
    if (!e) continue;
    const bySchedule: Record<string, Record<string, string>> = {};
    for (const [sid, zones] of e) bySchedule[sid || 'total'] = zonesText(zones);
    out[m] = bySchedule;
  }
  if (det.kVArh) out.kVArh = plain(det.kVArh);
  if (det.maxDemand.kW) out.maxDemandKW = plain(det.maxDemand.kW);
  if (det.maxDemand.kVA) out.maxDemandKVA = plain(det.maxDemand.kVA);
  if (det.billingPeak) out.recordedPeak = plain(det.billingPeak);
  if (det.powerFactor) out.powerFactor = plain(det.powerFactor, 6);
  if (bd) out.billingDemand = { value: plain(bd.value), measure: bd.measure, chosen: bd.chosen, candidates: bd.candidates };
  return out;
}
