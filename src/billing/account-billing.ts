/**
 * One account's bill for a cycle (pure): plan -> consumption -> demand -> validation ->
 * (estimate when there is no read) -> engine input. Pricing is the caller's (the tariff service),
 * so this module stays free of the catalogue; `priceBill` below wraps the two for the worker.
 *
 * True-up: an actual read after estimated bills bills the combined period from the last actual
 * read (its cycles counted, so slabs and fixed charges scale to them: "re-slabbed over the
 * combined period") and credits what the estimated bills already charged.
 */
import { D, type Dec } from '../tariffs/decimal.js';
import { periodConsumption, type MeterSpan } from './consumption.js';
import { billPeriod } from './cycle-calendar.js';
import { estimate, type ActualPeriod, type Estimate } from './estimation.js';
import { largerDemand, registerDemand, type DemandSnapshot, type PeriodDemand } from './max-demand.js';
import { toQuoteInput, type QuoteBuild } from './quote-input.js';
import { MEASURE_CHANNEL, neededChannels, type TariffNeeds } from './tariff-needs.js';
import type { PeriodPlan } from './account-period.js';
import { validatePeriod, type HistoryPeriod, type VeeException, type VeeThresholds } from './vee-rules.js';

export interface PriorBill {
  cyclePeriod: string;
  fromDay: number;
  toDay: number;
  estimated: boolean;
  /** channel -> units billed (MF applied) */
  units: Record<string, string>;
  total: string;
  maxDemand?: string | undefined;
}

export interface AccountFacts {
  active: boolean;
  category: string;
  sanctionedLoadKw: string;
  contractDemandKva: string | null;
}

export interface AccountBillingInput {
  account: AccountFacts;
  needs: TariffNeeds;
  plan: PeriodPlan;
  /** scheduled read day of this cycle (estimated bills end there) */
  readDay: number;
  /** the latest earlier bill's period end (estimated or not), if any */
  previousPeriodTo: number | undefined;
  /** earlier bills, newest first */
  history: readonly PriorBill[];
  /** wraps per meter serial and channel between the span's reads */
  wraps: ReadonlyMap<string, Readonly<Record<string, number>>>;
  /** MD register snapshots per meter serial (the tariff's demand channel) */
  demand: ReadonlyMap<string, readonly DemandSnapshot[]>;
  thresholds: VeeThresholds;
  normUnitsPerKwDay: string | undefined;
}

export interface BillDraft {
  estimated: boolean;
  estimate: Estimate | undefined;
  period: { from: string; to: string; days: number };
  cycles: number;
  energy: Map<string, Dec>;
  demand: PeriodDemand | undefined;
  quote: QuoteBuild;
  exceptions: VeeException[];
  /** estimated bills this actual bill trues up (their totals are credited) */
  trueUp: PriorBill[];
  /** the spans billed, with wraps, for the bill's reads section */
  spans: MeterSpan[];
}

export type AccountBillingResult = { draft: BillDraft } | { failure: string; message: string };

const DEMAND_CHANNEL = { kW: '1.6.0', kVA: '9.6.0' } as const;

export function mainChannel(needs: TariffNeeds): string {
  const first = [...needs.measures.keys()][0] ?? 'kWh';
  return `${MEASURE_CHANNEL[first]}.0`;
}

export function demandChannel(needs: TariffNeeds): string | undefined {
  return needs.demand ? DEMAND_CHANNEL[needs.demand] : undefined;
}

/** Estimated bills since the last actual one (newest first). */
function estimatedSinceActual(history: readonly PriorBill[]): PriorBill[] {
  const out: PriorBill[] = [];
  for (const b of history) {
    if (!b.estimated) break;
    out.push(b);
  }
  return out;
}

function historyForVee(history: readonly PriorBill[], main: string): HistoryPeriod[] {
  return history.filter((b) => b.units[main] !== undefined).map((b) => ({ days: b.toDay - b.fromDay, units: b.units[main] as string, estimated: b.estimated }));
}

function actualPeriods(history: readonly PriorBill[]): ActualPeriod[] {
  return history.filter((b) => !b.estimated).map((b) => ({ fromDay: b.fromDay, toDay: b.toDay, energy: b.units }));
}

function periodDemand(input: AccountBillingInput, spans: readonly MeterSpan[]): PeriodDemand | undefined {
  if (!input.needs.demand) return undefined;
  let result: PeriodDemand | undefined;
  for (const s of spans) {
    const d = registerDemand(input.demand.get(s.serial) ?? [], s.opening.ts, s.closing.ts, s.mf);
    result = result === undefined ? d : largerDemand(result, d);
  }
  return result;
}

function connection(a: AccountFacts) {
  return { sanctionedLoad: a.sanctionedLoadKw, contractDemand: a.contractDemandKva ?? undefined };
}

function actualDraft(input: AccountBillingInput, plan: PeriodPlan & { closing: NonNullable<PeriodPlan['closing']> }): AccountBillingResult {
  const channels = neededChannels(input.needs);
  const spans: MeterSpan[] = plan.spans.map((s) => ({ ...s, wraps: input.wraps.get(s.serial) ?? {} }));
  const consumption = periodConsumption(spans, channels);
  const demand = periodDemand(input, spans);
  const trueUp = estimatedSinceActual(input.history);
  const period = billPeriod(plan.opening.day, plan.closing.day);
  const main = mainChannel(input.needs);
  const zoneChannels = (input.needs.measures.get([...input.needs.measures.keys()][0] ?? 'kWh') ?? []).map((_, i) => `${main.slice(0, -2)}.${i + 1}`);
  const exceptions = validatePeriod({
    accountActive: input.account.active,
    meterFaulty: plan.installations.some((i) => i.meterStatus === 'faulty'),
    days: period.days, mainChannel: main, energy: consumption.energy, zoneChannels,
    demand, demandLimit: input.needs.demand === 'kVA' ? decOpt(input.account.contractDemandKva) : decOpt(input.account.sanctionedLoadKw),
    kWh: consumption.energy.get('1.8.0'), kVAh: consumption.energy.get('9.8.0'),
    history: historyForVee(input.history, main), problems: consumption.problems,
  }, input.thresholds);
  const quote = toQuoteInput({ period, cycles: 1 + trueUp.length, energy: consumption.energy, maxDemand: demand?.value, connection: connection(input.account) }, input.needs);
  return { draft: { estimated: false, estimate: undefined, period, cycles: 1 + trueUp.length, energy: consumption.energy, demand, quote, exceptions, trueUp, spans } };
}

function estimatedDraft(input: AccountBillingInput): AccountBillingResult {
  const fromDay = input.previousPeriodTo ?? input.plan.opening.day;
  if (input.readDay <= fromDay) return { failure: 'no_period', message: 'the previous bill already covers this cycle' };
  const period = billPeriod(fromDay, input.readDay);
  const channels = neededChannels(input.needs);
  const est = estimate({
    fromDay, toDay: input.readDay, channels, history: actualPeriods(input.history),
    sanctionedLoadKw: input.account.sanctionedLoadKw, normUnitsPerKwDay: input.normUnitsPerKwDay,
  });
  if (!est) return { failure: 'cannot_estimate', message: 'no valid read in the window, no billing history and no consumption norm for the category' };
  // demand of an estimated HT bill: the last actual bill's MD (the tariff's floor applies anyway)
  const lastMd = input.history.find((b) => !b.estimated && b.maxDemand !== undefined)?.maxDemand;
  const demand: PeriodDemand | undefined = input.needs.demand
    ? { value: lastMd === undefined ? undefined : new D(lastMd), occurredAt: undefined, groups: 0, note: 'estimated: MD of the last actual bill' }
    : undefined;
  const quote = toQuoteInput({ period, cycles: 1, energy: est.energy, maxDemand: demand?.value, connection: connection(input.account) }, input.needs);
  return { draft: { estimated: true, estimate: est, period, cycles: 1, energy: est.energy, demand, quote, exceptions: [], trueUp: [], spans: [] } };
}

const decOpt = (v: string | null | undefined) => (v === null || v === undefined ? undefined : new D(v));

export function billAccount(input: AccountBillingInput): AccountBillingResult {
  const plan = input.plan;
  if (plan.closing) return actualDraft(input, plan as PeriodPlan & { closing: NonNullable<PeriodPlan['closing']> });
  return estimatedDraft(input);
}
