/** Determinants printed on the bill (strings only, stable key order). */
import type { Dec } from './decimal.js';
import type { BillingDemandResult, Determinants } from './engine-types.js';

function zonesText(zones: Map<string, Dec>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [z, v] of zones) out[z] = v.toFixed();
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
  if (det.kVArh) out.kVArh = det.kVArh.toFixed();
  if (det.maxDemand.kW) out.maxDemandKW = det.maxDemand.kW.toFixed();
  if (det.maxDemand.kVA) out.maxDemandKVA = det.maxDemand.kVA.toFixed();
  if (det.billingPeak) out.recordedPeak = det.billingPeak.toFixed();
  if (det.powerFactor) out.powerFactor = det.powerFactor.toFixed(6);
  if (bd) out.billingDemand = { value: bd.value.toFixed(), measure: bd.measure, chosen: bd.chosen, candidates: bd.candidates };
  return out;
}
