/** Bill -> JSON-safe object: every amount and quantity a decimal string (money at the tariff's scale), lines numbered. */
import { padPlaces, plain } from './decimal.js';
import type { Bill, BillJson, Line } from './engine-types.js';

type JsonLine = BillJson['lines'][number];

/** Explicit field order, no spread: the same JSON for the same bill, and cheap. */
function lineJson(l: Line, i: number, currency: string): JsonLine {
  const unrounded = plain(l.unrounded);
  // an amount that needed no rounding is the unrounded value: print it once
  const amount = l.amount === l.unrounded && l.amount.decimalPlaces() <= l.scale ? padPlaces(unrounded, l.scale) : plain(l.amount, l.scale);
  const out: JsonLine = {
    seq: i + 1, ruleId: l.ruleId, kind: l.kind, label: l.label, segment: l.segment, version: l.version,
    inputs: l.inputs, rate: l.rate, rateUnit: rateUnitText(l.rateUnit, currency), formula: l.formula, unrounded, amount,
  };
  if (l.zone !== undefined) out.zone = l.zone;
  if (l.slab !== undefined) out.slab = l.slab;
  return out;
}

/** "INR/kVAh", "INR/kVA/month", "INR/month", "%"; null without a rate. */
export function rateUnitText(unit: string | null, currency: string): string | null {
  return unit === null || unit === '%' ? unit : `${currency}${unit}`;
}

export function toBillJson(b: Bill): BillJson {
  return {
    tariff: b.tariff,
    period: b.period,
    segments: b.segments,
    lines: b.lines.map((l, i) => lineJson(l, i, b.tariff.currency)),
    total: plain(b.total, b.totalScale),
    settlementRules: b.settlementRules,
    warnings: b.warnings,
  };
}
