/**
 * The tariff file format: the single source of truth. `tariffs/tariff.schema.json` is generated
 * from it (`npm run tariffs:schema`) for editors; the loader validates every file with it.
 * Semantics of each component and the order of application: src/tariffs/README.md.
 */
import { z } from 'zod';
import { DECIMAL_BOUNDS, toBoundedDecimal } from '../lib/decimal-schema.js';
import { MAX_ROUNDING_SCALE } from './decimal.js';

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;
/**
 * Decimal as a YAML/JSON number or a string; quote it if it has more than 15 significant digits.
 * Bounded in digits (DECIMAL_BOUNDS.tariffFigure) and kept as written (the file is echoed back).
 */
export const decimalValue = z
  .union([z.number().finite(), z.string().regex(DECIMAL_RE, 'a plain decimal such as "6.50"')])
  .superRefine((v, ctx) => {
    if (typeof v === 'string' && !DECIMAL_RE.test(v)) return; // already reported by the regex
    const r = toBoundedDecimal(v, DECIMAL_BOUNDS.tariffFigure);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
  })
  .describe('decimal number (write it as a string if it has more than 15 significant digits)');
const nonNegative = decimalValue.refine((v) => !String(v).startsWith('-'), 'must not be negative');
const percent = nonNegative.describe('percent, e.g. 2.84 for 2.84 %');
const id = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only');
const isoDate = z.iso.date().describe('local date YYYY-MM-DD in the tariff timezone');
const month = z.int().min(1).max(12);
const months = z.array(month).min(1).describe('billing months (1 = January) in which this applies');
const twelve = <T extends z.ZodType>(t: T) => z.array(t).length(12);

export const roundingRule = z.strictObject({
  scale: z.int().min(0).max(MAX_ROUNDING_SCALE).describe('decimal places kept'),
  mode: z.enum(['HALF_UP', 'HALF_EVEN', 'HALF_DOWN', 'UP', 'DOWN', 'CEIL', 'FLOOR']),
});

const hourRange = z
  .strictObject({ from: z.int().min(0).max(23), to: z.int().min(1).max(24) })
  .describe('[from, to) in local hours; to < from wraps past midnight (22 -> 6)');
const dayType = z.enum(['weekday', 'weekend', 'holiday']);

const rulesSchedule = z.strictObject({
  type: z.literal('rules'),
  zones: z.array(id).min(1),
  default: id.describe('zone of any hour no rule matches'),
  rules: z.array(
    z.strictObject({
      zone: id,
      hours: z.array(hourRange).min(1),
      months: months.optional(),
      days: z.array(dayType).min(1).optional().describe('default: every day type'),
    }),
  ).describe('first matching rule wins'),
});
const hourRow = z.array(z.int().min(0)).length(24);
const matrixSchedule = z.strictObject({
  type: z.literal('matrix'),
  zones: z.array(id).min(1).describe('zone names by index used in the matrices'),
  weekday: twelve(hourRow).describe('12 months x 24 hours of zone indexes (URDB style)'),
  weekend: twelve(hourRow),
  holiday: z.enum(['weekend', 'weekday']).default('weekend').describe('row used on holidays'),
});
export const scheduleSchema = z.discriminatedUnion('type', [rulesSchedule, matrixSchedule]);

const ref = z.string().regex(/^(kind:)?[A-Za-z0-9_.-]+$/).describe('a rule id, or kind:<component kind>');
const base = {
  id: id.describe('rule id shown on every bill line this rule produces'),
  label: z.string().min(1),
  months: months.optional(),
  note: z.string().optional().describe('why: clause of the tariff order'),
};
const basis = z.enum(['connection', 'sanctioned_load', 'contract_demand', 'billing_demand']);
const slab = z.strictObject({
  upTo: nonNegative.nullable().describe('upper bound of the slab; null = unbounded'),
  unit: z.enum(['units', 'units_per_demand']).default('units')
    .describe('units: kWh/kVAh per month; units_per_demand: per kW/kVA of billing demand (URDB kWh/kW)'),
  rate: decimalValue,
});
const tier = z.strictObject({ upTo: nonNegative.nullable(), rate: decimalValue });

const fixed = z.strictObject({
  ...base, kind: z.literal('fixed'), basis, per: z.enum(['month', 'day']), rate: decimalValue,
});
const energy = z.strictObject({
  ...base,
  kind: z.literal('energy'),
  measure: z.enum(['kWh', 'kVAh']),
  schedule: id.optional().describe('TOD schedule id; without it the energy is one zone'),
  slabMode: z.enum(['telescopic', 'non_telescopic']).default('telescopic'),
  slabs: z.array(slab).min(1),
  zoneRates: z.record(id, z.array(decimalValue).min(1)).optional()
    .describe('separate rate per zone, one per slab; replaces the slab rate'),
  todMultipliers: z.record(id, nonNegative).optional().describe('rate multiplier per zone, e.g. 1.2 at peak'),
});
const demand = z.strictObject({
  ...base,
  kind: z.literal('demand'),
  basis: z.enum(['billing_demand', 'zone_peak']),
  measure: z.enum(['kW', 'kVA']).default('kW').describe('zone_peak only; billing_demand uses billingDemand.measure'),
  tiers: z.array(tier).min(1).optional().describe('incremental tiers on billing demand'),
  schedule: id.optional(),
  zones: z.record(id, z.strictObject({
    tiers: z.array(tier).min(1),
    useBillingDemand: z.boolean().default(false),
  })).optional().describe('zone_peak: tiers per zone on the highest demand within the zone'),
});
const excessDemand = z.strictObject({
  ...base,
  kind: z.literal('excess_demand'),
  thresholdPercentOfContractDemand: percent.default(100),
  rate: decimalValue.describe('charge per kVA/kW of recorded demand above the threshold'),
});
const pfBand = z.strictObject({ to: nonNegative, percentPerStep: percent });
const powerFactor = z.strictObject({
  ...base,
  kind: z.literal('power_factor'),
  base: z.array(ref).min(1),
  reference: nonNegative.describe('PF at which nothing is added or taken off, e.g. 0.95'),
  step: nonNegative.default(0.01),
  pfRounding: roundingRule.default({ scale: 2, mode: 'HALF_UP' }),
  incentive: z.array(pfBand).default([]).describe('bands above the reference, ascending to'),
  penalty: z.array(pfBand).default([]).describe('bands below the reference, descending to'),
});
const perUnit = z.strictObject({
  ...base, kind: z.literal('per_unit'), measure: z.enum(['kWh', 'kVAh']), rate: decimalValue,
});
const minimum = z.strictObject({
  ...base, kind: z.literal('minimum'), basis, per: z.enum(['month', 'day']), rate: decimalValue,
  compareWith: z.array(ref).min(1).describe('charges whose sum is topped up to the minimum'),
});
const levy = z.strictObject({
  ...base,
  kind: z.literal('levy'),
  percent: percent.optional(),
  base: z.array(ref).optional().describe('required with percent: the lines the percent applies to'),
  perUnit: z.strictObject({ measure: z.enum(['kWh', 'kVAh']), rate: decimalValue }).optional(),
});
const subsidy = z.strictObject({
  ...base,
  kind: z.literal('subsidy'),
  percent: percent.optional(),
  base: z.array(ref).optional(),
  perUnit: z.strictObject({
    measure: z.enum(['kWh', 'kVAh']), rate: nonNegative, upToUnits: nonNegative.nullable().default(null),
  }).optional(),
});
export const componentSchema = z.discriminatedUnion('kind', [
  fixed, energy, demand, excessDemand, powerFactor, perUnit, minimum, levy, subsidy,
]);

const billingDemand = z.strictObject({
  measure: z.enum(['kW', 'kVA']),
  schedule: id.optional(),
  zones: z.array(id).optional().describe('only peaks inside these zones count'),
  floorPercentOfContractDemand: percent.optional(),
  minimum: nonNegative.optional(),
  currentPeakPercentByMonth: twelve(percent).optional().describe('default 100 every month'),
  ratchet: z.strictObject({
    lookbackMonths: z.int().min(1).max(36),
    percentByMonth: twelve(percent).describe('percent applied to the peak of that earlier calendar month'),
  }).optional(),
  demandIntervalMinutes: z.union([z.literal(15), z.literal(30), z.literal(60)]).optional()
    .describe('integration period for demand from interval data; default the data interval'),
});

export const settlementRuleSchema = z.strictObject({
  id,
  kind: z.enum(['prompt_payment_rebate', 'digital_payment_rebate', 'late_served_rebate', 'late_payment_surcharge']),
  label: z.string().min(1),
  percent,
  base: z.enum(['current_charges', 'bill_total', 'overdue_amount']),
  per: z.enum(['once', 'month']).default('once'),
  withinDaysOfBill: z.int().min(0).optional(),
  afterDueDays: z.int().min(0).optional(),
  servedLaterThanDays: z.int().min(0).optional(),
  cap: nonNegative.optional(),
  note: z.string().optional(),
});

export const versionSchema = z.strictObject({
  id,
  validFrom: isoDate,
  validTo: isoDate.optional().describe('inclusive last day; open-ended when absent'),
  source: z.string().optional(),
  rounding: z.strictObject({ line: roundingRule, total: roundingRule }),
  calendar: z.strictObject({
    weekendDays: z.array(z.int().min(0).max(6)).default([0, 6]).describe('0 = Sunday'),
    holidays: z.array(isoDate).default([]),
  }).default({ weekendDays: [0, 6], holidays: [] }),
  schedules: z.record(id, scheduleSchema).default({}),
  billingDemand: billingDemand.optional(),
  components: z.array(componentSchema).min(1),
  settlementRules: z.array(settlementRuleSchema).default([]),
});

export const tariffFileSchema = z.strictObject({
  $schema: z.string().optional(),
  code: z.string().regex(/^[A-Z0-9][A-Z0-9_.-]*$/, 'upper-case code such as HT-IND'),
  name: z.string().min(1),
  category: z.enum(['lt_domestic', 'lt_non_domestic', 'lt_industrial', 'ht_industrial', 'ht_non_industrial', 'other']),
  currency: z.string().regex(/^[A-Z]{3}$/),
  timezone: z.string().default('Asia/Kolkata').describe('IANA zone for TOD, days and months'),
  source: z.strictObject({ citation: z.string().min(1), url: z.string().optional() }),
  versions: z.array(versionSchema).min(1),
});

export type TariffFile = z.infer<typeof tariffFileSchema>;
export type TariffFileInput = z.input<typeof tariffFileSchema>;
export type TariffVersion = z.infer<typeof versionSchema>;
export type Component = z.infer<typeof componentSchema>;
export type ComponentKind = Component['kind'];
export type Schedule = z.infer<typeof scheduleSchema>;
export type SettlementRule = z.infer<typeof settlementRuleSchema>;
export type BillingDemandRule = z.infer<typeof billingDemand>;
