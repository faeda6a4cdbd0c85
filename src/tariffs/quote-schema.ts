/**
 * Quote input: what a caller (API, CLI, billing run) gives the engine for one bill period.
 * Two forms: register determinants, or an interval series the engine aggregates itself.
 * Quantities as decimal strings or numbers, bounded in digits (exponent notation only within the
 * bounds); they come out as plain decimal text, never floats.
 */
import { z } from 'zod';
import { boundedDecimal, DECIMAL_BOUNDS } from '../lib/decimal-schema.js';

/**
 * Size bounds of one quote (README "Quote bounds"): a quote's cost grows with them, and each is
 * far above a real bill. A period is at most a leap year; a series at most that many 15-minute
 * intervals; zones per schedule, earlier demands (ratchet look-back is at most 36 months) and
 * boundary readings (one per tariff revision in the period) are few.
 */
export const QUOTE_LIMITS = {
  periodDays: 366,
  intervals: 366 * 96,
  zones: 64,
  previousDemands: 36,
  boundaryReadings: 24,
} as const;

/** Energy or demand: a JSON string (exact, preferred) or number, bounded in digits; out as plain decimal text. */
const quantity = boundedDecimal(DECIMAL_BOUNDS.quantity);
const load = boundedDecimal(DECIMAL_BOUNDS.load);
const zoneMap = z
  .record(z.string().min(1).max(64), quantity)
  .refine((m) => Object.keys(m).length <= QUOTE_LIMITS.zones, `at most ${QUOTE_LIMITS.zones} zones`);
const energyQty = z.union([zoneMap, quantity]).describe('a total, or a map zone -> quantity');
const isoDate = z.iso.date();
const yearMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM');
const dateTime = z.iso.datetime({ offset: true }).describe('interval END, ISO 8601 with offset');
const DAY_MS = 86_400_000;

export const periodSchema = z
  .strictObject({ from: isoDate.describe('first day, inclusive'), to: isoDate.describe('day after the last day (exclusive)') })
  .refine((p) => p.from < p.to, { message: 'period.to must be after period.from', path: ['to'] })
  .refine((p) => Date.parse(p.to) - Date.parse(p.from) <= QUOTE_LIMITS.periodDays * DAY_MS, {
    message: `a bill period is at most ${QUOTE_LIMITS.periodDays} days`, path: ['to'],
  });

const connection = z.strictObject({
  sanctionedLoad: load.optional().describe('kW (or kVA) sanctioned'),
  contractDemand: load.optional().describe('CD in the billing-demand measure (kVA or kW)'),
}).default({});

const previousDemands = z
  .array(z.strictObject({ month: yearMonth, value: quantity }))
  .max(QUOTE_LIMITS.previousDemands)
  .default([])
  .describe('recorded peak demand of earlier billing months, for ratchets');

/** Whole billing months, 1 to 12: per-month charges and slab bounds are multiplied by it. */
const months = z
  .union([z.int().min(1).max(12), z.string().regex(/^(?:[1-9]|1[0-2])$/, 'a whole number of months, 1 to 12').transform(Number)])
  .describe('billing months in the period, 1 to 12 (default 1)');

const common = {
  period: periodSchema,
  connection,
  months: months.optional(),
  previousDemands,
};

const energyRegisters = z.strictObject({
  kWh: energyQty.optional(),
  kVAh: energyQty.optional(),
  kVArh: quantity.optional(),
});

export const registerInputSchema = z.strictObject({
  kind: z.literal('registers'),
  ...common,
  energy: energyRegisters,
  maxDemand: z.strictObject({ kW: quantity.optional(), kVA: quantity.optional(), byZone: zoneMap.optional() }).default({}),
  // plain text with no leading zeros: at most 1 is "1" or "0.…" (no float comparison)
  powerFactor: quantity.refine((v) => v === '1' || v.startsWith('0'), 'at most 1').optional(),
  boundaryReadings: z
    .array(energyRegisters.extend({ date: isoDate }))
    .max(QUOTE_LIMITS.boundaryReadings)
    .default([])
    .describe('energy from the period start up to this date (a special reading at a revision)'),
});

const reading = z.strictObject({ end: dateTime, kWh: quantity, kVAh: quantity.optional() });
export const intervalInputSchema = z
  .strictObject({
    kind: z.literal('intervals'),
    ...common,
    intervalMinutes: z.union([z.literal(15), z.literal(30), z.literal(60)]),
    readings: z.array(reading).max(QUOTE_LIMITS.intervals).optional(),
    series: z.strictObject({
      firstEnd: dateTime,
      kWh: z.array(quantity).max(QUOTE_LIMITS.intervals),
      kVAh: z.array(quantity).max(QUOTE_LIMITS.intervals).optional(),
    }).optional(),
  })
  .refine((v) => (v.readings === undefined) !== (v.series === undefined), 'give exactly one of readings or series');

export const quoteInputSchema = z.discriminatedUnion('kind', [registerInputSchema, intervalInputSchema]);

export type QuoteInput = z.infer<typeof quoteInputSchema>;
export type RegisterInput = z.infer<typeof registerInputSchema>;
export type IntervalInput = z.infer<typeof intervalInputSchema>;
export type QuoteInputRaw = z.input<typeof quoteInputSchema>;
