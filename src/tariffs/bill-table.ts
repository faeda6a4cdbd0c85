/**
 * A quote as plain text for a billing clerk (`meterbill tariffs quote --format table`): aligned
 * columns, every rate with its unit, the total, then how each line was worked out in plain words
 * instead of the JSON's field names. Pure: takes the bill JSON (amounts untouched, printed as the
 * engine rounded them), returns text.
 */
import type { z } from 'zod';
import type { billSchema } from './bill-schema.js';
import { dayOf, isoOfDay } from '../lib/local-time.js';

type BillJson = z.infer<typeof billSchema>;

const SYMBOLS: Record<string, string> = { INR: '₹', USD: '$', EUR: '€', GBP: '£' };

/** Input and determinant names of the bill JSON, in words. Unknown names are split at capitals. */
const WORDS: Record<string, string> = {
  kWh: 'energy (kWh)',
  kVAh: 'energy (kVAh)',
  kVArh: 'reactive energy (kVArh)',
  kvarh: 'reactive energy (kvarh)',
  slabIndex: 'slab number',
  slab: 'slab',
  zoneEnergy: 'energy in this time-of-day zone',
  billingDemand: 'billing demand',
  tierQuantity: 'demand charged at this rate',
  months: 'billing months',
  days: 'days',
  maxDemand: 'recorded maximum demand',
  maxDemandKW: 'recorded maximum demand (kW)',
  maxDemandKVA: 'recorded maximum demand (kVA)',
  recordedPeak: 'highest demand in the period',
  contractDemand: 'contract demand',
  threshold: 'demand allowed before the surcharge',
  excess: 'demand above the allowance',
  powerFactor: 'power factor',
  reference: 'reference power factor',
  percent: 'percent',
  base: 'amount it applies to',
  baseRules: 'applies to',
  minimum: 'minimum charge',
  charged: 'charges compared with the minimum',
  compared: 'compared charges',
  sum: 'bill before rounding',
  connections: 'connections',
  sanctionedLoad: 'sanctioned load (kW)',
  recorded: 'recorded maximum demand',
  floor: 'share of contract demand',
  ratchet: 'share of earlier months\u2019 demand',
};

export function words(name: string): string {
  return WORDS[name] ?? name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

export function currencySymbol(code: string): string {
  return SYMBOLS[code] ?? `${code} `;
}

/** "7.1 ₹/kVAh", "-0.5 %", "300 ₹/kVA/month"; the JSON's rateUnit carries the currency code. */
export function rateText(line: Pick<BillJson['lines'][number], 'rate' | 'rateUnit'>, currency: string): string {
  if (line.rate === null) return '';
  if (line.rateUnit === null || line.rateUnit === '%') return `${line.rate}${line.rateUnit === '%' ? ' %' : ''}`;
  const unit = line.rateUnit.startsWith(currency) ? `${currencySymbol(currency).trim()}${line.rateUnit.slice(currency.length)}` : line.rateUnit;
  return `${line.rate} ${unit}`;
}

/** The bill's period, the last day inclusive (the JSON's `to` is the day after). */
function periodText(p: BillJson['period'] | BillJson['segments'][number]): string {
  return `${p.from} to ${isoOfDay(dayOf(p.to) - 1)} (${p.days} days)`;
}

function table(rows: string[][], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd());
}

function determinantLines(det: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(det)) {
    if (typeof value === 'string') out.push(`${words(name)}: ${value}`);
    else if (name === 'billingDemand') out.push(billingDemandText(value as BillingDemand));
    else if (value && typeof value === 'object') out.push(...energyLines(name, value as Record<string, Record<string, string>>));
  }
  return out;
}

type BillingDemand = { value: string; measure: string; chosen: string; candidates: Record<string, string> };

function billingDemandText(bd: BillingDemand): string {
  const candidates = Object.entries(bd.candidates).map(([k, v]) => `${words(k)} ${v}`).join(', ');
  return `billing demand: ${bd.value} ${bd.measure}, the ${words(bd.chosen)} (the highest of: ${candidates})`;
}

function energyLines(measure: string, bySchedule: Record<string, Record<string, string>>): string[] {
  return Object.entries(bySchedule).map(([schedule, zones]) => {
    const z = Object.entries(zones);
    if (schedule === 'total' && z.length === 1) return `${words(measure)}: ${z[0]?.[1]}`;
    return `${words(measure)} by ${schedule === 'total' ? 'zone' : `time-of-day zone (${schedule})`}: ${z.map(([k, v]) => `${k} ${v}`).join(', ')}`;
  });
}

const ROUNDING = /^round\((\S+), (\d+) places, (\w+)\) − \S+$/;

/**
 * The engine's formula with rule ids left to the "applies to" words below it, a TOD factor named,
 * and the total's rounding said in words.
 */
function formulaText(line: BillJson['lines'][number], labels: ReadonlyMap<string, string>, sym: string): string {
  const r = ROUNDING.exec(line.formula);
  if (line.kind === 'rounding' && r) {
    const places = Number(r[2]);
    return `${r[1]} rounded to ${places === 0 ? `whole ${sym}` : `${places} decimal places`} (${(r[3] ?? '').toLowerCase().replace('_', ' ')}), a difference of ${line.amount}`;
  }
  return line.formula
    .replace(/ \(([\w-]+(?: \+ [\w-]+)*)\)$/, (all, ids: string) => (ids.split(' + ').every((id) => labels.has(id)) ? '' : all))
    .replace(/ × (\S+) TOD$/, ' × $1 (time-of-day factor)');
}

/** A line's inputs in words; `applies to` names the charges by their labels, not rule ids. */
function inputsText(line: BillJson['lines'][number], labels: ReadonlyMap<string, string>): string {
  return Object.entries(line.inputs)
    .map(([k, v]) => {
      if (k === 'baseRules' || k === 'compared') return `${words(k)}: ${v.split('+').map((id) => labels.get(id) ?? id).join(', ')}`;
      if (k === 'slab') return v === 'above' ? 'top slab (no upper limit)' : `slab ${v}`;
      return `${words(k)} ${v}`;
    })
    .join(' · ');
}

export function billTable(bill: BillJson): string {
  const cur = bill.tariff.currency;
  const sym = currencySymbol(cur).trim();
  const multiSegment = bill.segments.length > 1;
  const labels = new Map(bill.lines.map((l) => [l.ruleId, l.label]));
  const out: string[] = [
    `Bill quote: ${bill.tariff.name} (${bill.tariff.code})`,
    `Period: ${periodText(bill.period)}; amounts in ${sym} (${cur})`,
    '',
    'Quantities',
  ];
  for (const s of bill.segments) {
    if (multiSegment || bill.segments.length === 1) out.push(`  ${multiSegment ? `${s.id}: ` : ''}tariff version ${s.version}, ${periodText(s)}`);
    out.push(...determinantLines(s.determinants).map((l) => `    ${l}`));
  }
  const header = ['#', 'Charge', ...(multiSegment ? ['Part'] : []), 'Zone / slab', 'Rate', `Amount (${sym})`];
  const rows = bill.lines.map((l) => [
    String(l.seq),
    l.label,
    ...(multiSegment ? [l.segment] : []),
    [l.zone, l.slab !== undefined ? `slab ${l.slab}` : undefined].filter(Boolean).join(', '),
    rateText(l, cur),
    l.amount,
  ]);
  const total = ['', 'Total', ...(multiSegment ? [''] : []), '', '', bill.total];
  const amountCol = header.length - 1;
  const aligned = table([header, ...rows, total], new Set([0, amountCol]));
  const rule = '-'.repeat(Math.max(...aligned.map((l) => l.length)));
  out.push('', aligned[0] as string, rule, ...aligned.slice(1, -1), rule, aligned[aligned.length - 1] as string);
  out.push('', 'How each line was worked out');
  for (const l of bill.lines) {
    out.push(`${String(l.seq).padStart(3)}  ${formulaText(l, labels, sym)}`);
    const inputs = inputsText(l, labels);
    if (inputs) out.push(`     ${inputs}`);
  }
  if (bill.warnings.length > 0) out.push('', 'Warnings', ...bill.warnings.map((w) => `  - ${w}`));
  if (bill.settlementRules.length > 0) {
    out.push('', 'At payment (not included above)', ...bill.settlementRules.map((r) => `  - ${settlementText(r as unknown as Record<string, unknown>)}`));
  }
  return `${out.join('\n')}\n`;
}

function settlementText(r: Record<string, unknown>): string {
  const per = r.per === 'month' ? ' per month' : '';
  const when = typeof r.afterDueDays === 'number' ? `, from ${r.afterDueDays} days after the due date` : typeof r.withinDaysOfBill === 'number'
    ? `, when paid within ${r.withinDaysOfBill} days of the bill` : typeof r.servedLaterThanDays === 'number'
      ? `, when the bill is served later than ${r.servedLaterThanDays} days` : '';
  const base = typeof r.base === 'string' ? ` of the ${r.base.replace(/_/g, ' ')}` : '';
  return `${String(r.label)}: ${String(r.percent)} %${base}${per}${when}`;
}

/** Several monthly bills: each one's table, then the sum. */
export function monthlyBillsTable(m: { bills: readonly BillJson[]; total: string }): string {
  const sym = currencySymbol(m.bills[0]?.tariff.currency ?? '').trim();
  return `${m.bills.map(billTable).join('\n\n')}\nTotal of ${m.bills.length} monthly bills: ${sym} ${m.total}\n`;
}
