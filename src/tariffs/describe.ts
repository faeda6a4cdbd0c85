/** Determinants printed on the bill (strings only, stable key order). */
import type { BillingDemandResult, Determinants } from './engine-types.js';

export function describeDeterminants(det: Determinants, bd: BillingDemandResult | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of ['kWh', 'kVAh'] as const) {
    const e = det.energy[m];
    if (!e) continue;
    out[m] = Object.fromEntries([...e].map(([sid, zones]) => [sid || 'total', Object.fromEntries([...zones].map(([z, v]) => [z, v.toFixed()]))]));
  }
  if (det.kVArh) out.kVArh = det.kVArh.toFixed();
  if (det.maxDemand.kW) out.maxDemandKW = det.maxDemand.kW.toFixed();
  if (det.maxDemand.kVA) out.maxDemandKVA = det.maxDemand.kVA.toFixed();
  if (det.billingPeak) out.recordedPeak = det.billingPeak.toFixed();
  if (det.powerFactor) out.powerFactor = det.powerFactor.toFixed(6);
  if (bd) out.billingDemand = { value: bd.value.toFixed(), measure: bd.measure, chosen: bd.chosen, candidates: bd.candidates };
  return out;
}
