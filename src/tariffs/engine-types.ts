/** Shapes shared by the engine's pure modules. */
import type { Dec, RoundingRule } from './decimal.js';
import type { CompiledSchedule, DayCalendar } from './schedule.js';
import type { Component, ComponentKind, SettlementRule, TariffFile, TariffVersion } from './tariff-schema.js';

export interface CompiledVersion {
  version: TariffVersion;
  /** Day numbers (local): validFrom inclusive, validTo exclusive (Infinity when open). */
  fromDay: number;
  toDay: number;
  schedules: ReadonlyMap<string, CompiledSchedule>;
  calendar: DayCalendar;
  components: readonly Component[];
  lineRounding: RoundingRule;
  totalRounding: RoundingRule;
}

export interface CompiledTariff {
  file: TariffFile;
  versions: readonly CompiledVersion[];
}

export type Measure = 'kWh' | 'kVAh';
export type DemandMeasure = 'kW' | 'kVA';

/** Quantities for one segment of a bill (one tariff version), already pro-rated. */
export interface Determinants {
  /** Energy per schedule id per zone; key '' = the whole period (no schedule). */
  energy: Record<Measure, Map<string, Map<string, Dec>> | undefined>;
  /** Total energy of the segment: also the sum of the zone energies of every schedule in `energy`. */
  energyTotal: Record<Measure, Dec | undefined>;
  kVArh: Dec | undefined;
  /** Highest recorded demand over the whole bill period. */
  maxDemand: Record<DemandMeasure, Dec | undefined>;
  /** Highest demand per zone of a schedule: schedule id -> zone -> value (in the measure asked). */
  zoneDemand: Map<string, Map<string, Dec>>;
  /** Peak that feeds billing demand (restricted to billingDemand.zones when set). */
  billingPeak: Dec | undefined;
  powerFactor: Dec | undefined;
}

export interface SegmentContext {
  segmentId: string;
  version: CompiledVersion;
  days: number;
  /** Share of the bill period's days in this segment. */
  fraction: Dec;
  /** Billing months in the bill period x fraction: scales per-month charges and slab bounds. */
  monthFactor: Dec;
  billingMonth: number; // 1-12
  det: Determinants;
  connection: { sanctionedLoad: Dec | undefined; contractDemand: Dec | undefined };
  billingDemand: BillingDemandResult | undefined;
  /** Lines produced so far in this segment (for bases). */
  lines: Line[];
}

export interface BillingDemandResult {
  value: Dec;
  measure: DemandMeasure;
  candidates: Record<string, string>;
  chosen: string;
}

export interface Line {
  ruleId: string;
  kind: ComponentKind | 'rounding';
  label: string;
  segment: string;
  version: string;
  zone?: string;
  slab?: number;
  inputs: Record<string, string>;
  rate: string | null;
  /**
   * What the rate is per, without the currency: "/kVAh", "/kVA/month", "/month" (a per-connection
   * charge), "%"; null when the line has no rate (rounding). bill-json.ts adds the currency.
   */
  rateUnit: string | null;
  formula: string;
  unrounded: Dec;
  amount: Dec;
  /** decimal places the amount is printed with (the tariff's line rounding scale) */
  scale: number;
}

export interface Bill {
  tariff: { code: string; name: string; currency: string; timezone: string };
  period: { from: string; to: string; days: number; billingMonth: number };
  segments: { id: string; version: string; from: string; to: string; days: number; fraction: string; determinants: Record<string, unknown> }[];
  lines: Line[];
  total: Dec;
  /** decimal places of the total (the tariff's total rounding scale) */
  totalScale: number;
  settlementRules: SettlementRule[];
  warnings: string[];
}

export interface BillJson extends Omit<Bill, 'lines' | 'total' | 'totalScale'> {
  lines: (Omit<Line, 'unrounded' | 'amount' | 'scale'> & { seq: number; unrounded: string; amount: string })[];
  total: string;
}
