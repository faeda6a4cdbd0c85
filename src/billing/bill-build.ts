/**
 * A priced draft -> the rows a bill is stored as (pure): reads, determinants and lines, with the
 * true-up credit of earlier estimated bills as a line of its own. Amounts stay decimal text.
 */
import { D } from '../tariffs/decimal.js';
import type { BillOut } from '../tariffs/tariff-service.js';
import type { BillDraft } from './account-billing.js';
import type { LastActualRead } from './account-period.js';
import type { BillLine } from './bills-repository.js';
import { isoOfDay } from '../lib/local-time.js';

export interface BuiltBill {
  total: string;
  lines: BillLine[];
  reads: Record<string, unknown>;
  determinants: Record<string, unknown>;
  engine: Record<string, unknown>;
  hold: boolean;
}

const readJson = (serial: string, r: { ts: number; values: Readonly<Record<string, string>> }) => ({ serial, ts: new Date(r.ts).toISOString(), values: r.values });

export function buildBill(draft: BillDraft, priced: BillOut, opening: LastActualRead): BuiltBill {
  const lines: BillLine[] = priced.lines.map((l) => ({
    ruleId: l.ruleId, kind: l.kind, label: l.label, zone: l.zone ?? null, amount: l.amount,
    explanation: { segment: l.segment, version: l.version, slab: l.slab ?? null, inputs: l.inputs, rate: l.rate, formula: l.formula, unrounded: l.unrounded },
  }));
  let total = new D(priced.total);
  if (draft.trueUp.length > 0) {
    const credited = draft.trueUp.reduce((a, b) => a.plus(b.total), new D(0));
    lines.push({
      ruleId: 'true_up', kind: 'true_up', label: `Less billed on estimated bills ${draft.trueUp.map((b) => b.cyclePeriod).reverse().join(', ')}`,
      zone: null, amount: credited.negated().toFixed(),
      explanation: {
        formula: draft.trueUp.map((b) => `${b.cyclePeriod} ${b.total}`).join(' + '),
        unitsAlreadyBilled: draft.trueUp.reduce<Record<string, string>>((acc, b) => {
          for (const [c, u] of Object.entries(b.units)) acc[c] = new D(acc[c] ?? 0).plus(u).toFixed();
          return acc;
        }, {}),
      },
    });
    total = total.minus(credited);
  }
  const closing = draft.estimated ? undefined : draft.spans[draft.spans.length - 1];
  const lastActual = closing
    ? { ...readJson(closing.serial, closing.closing), day: draft.period.to }
    : { ...readJson(opening.serial, opening.read), day: isoOfDay(opening.day) };
  return {
    total: total.toFixed(),
    lines,
    reads: {
      opening: draft.estimated ? null : readJson(opening.serial, opening.read),
      closing: closing ? readJson(closing.serial, closing.closing) : null,
      spans: draft.spans.map((s) => ({ serial: s.serial, mf: s.mf, opening: readJson(s.serial, s.opening), closing: readJson(s.serial, s.closing), wraps: s.wraps ?? {} })),
      lastActual,
    },
    determinants: {
      days: draft.period.days, cycles: draft.cycles,
      units: Object.fromEntries([...draft.energy].map(([c, v]) => [c, v.toFixed()])),
      ...(draft.demand?.value !== undefined ? { maxDemand: draft.demand.value.toFixed() } : {}),
      ...(draft.demand?.note ? { demandNote: draft.demand.note } : {}),
      ...(draft.estimate ? { estimate: { method: draft.estimate.method, basis: draft.estimate.basis } } : {}),
      ...(draft.trueUp.length ? { trueUp: draft.trueUp.map((b) => ({ cyclePeriod: b.cyclePeriod, total: b.total })) } : {}),
      quoteNotes: draft.quote.notes,
    },
    engine: { tariff: priced.tariff, period: priced.period, segments: priced.segments, settlementRules: priced.settlementRules, warnings: [...priced.warnings, ...draft.quote.notes], total: priced.total },
    hold: draft.exceptions.some((e) => e.severity === 'hold'),
  };
}
