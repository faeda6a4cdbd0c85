/**
 * Quote input: what a caller (API, CLI, billing run) gives the engine for one bill period.
 * Two forms: register determinants, or an interval series the engine aggregates itself.
 * Quantities as decimal strings or numbers; they are read as decimals, never as floats.
 */
import { z } from 'zod';

/** Non-negative decimal as a JSON number or a string ("12.5", "1e3"); read as a decimal, never a float. */
const QUANTITY_RE = /^\d+(\.\d+)?([eE][-+]?\d+)?$/;
// string first: the recommended (exact) form, and a failed first branch costs an issue object
const quantity = z.union([z.string().regex(QUANTITY_RE, 'a non-negative decimal number'), z.number().finite().nonnegative()]);
const zoneMap = z.record(z.string().min(1), quantity);
const energyQty = z.union([zoneMap, quantity]).describe('a total, or a map zone -> quantity');
const isoDate = z.iso.date();
const yearMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM');
const dateTime = z.iso.datetime({ offset: true }).describe('interval END, ISO 8601 with offset');

export const periodSchema = z
  .strictObject({ from: isoDate.describe('first day, inclusive'), to: isoDate.describe('day after the last day (exclusive)') })
  .refine((p) => p.from < p.to, { message: 'period.to must be after period.from', path: ['to'] });

const connection = z.strictObject({
  sanctionedLoad: quantity.optional().describe('kW (or kVA) sanctioned'),
  contractDemand: quantity.optional().describe('CD in the billing-demand measure (kVA or kW)'),
}).default({});

const previousDemands = z
  .array(z.strictObject({ month: yearMonth, value: quantity }))
  .default([])
  .describe('recorded peak demand of earlier billing months, for ratchets');

const common = {
  period: periodSchema,
  connection,
  months: quantity.optional().describe('billing months in the period (default 1)'),
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
  powerFactor: quantity.refine((v) => Number(v) <= 1, 'at most 1').optional(),
  boundaryReadings: z
    .array(energyRegisters.extend({ date: isoDate }))
    .default([])
    .describe('energy from the period start up to this date (a special reading at a revision)'),
});

const reading = z.strictObject({ end: dateTime, kWh: quantity, kVAh: quantity.optional() });
export const intervalInputSchema = z
  .strictObject({
    kind: z.literal('intervals'),
    ...common,
    intervalMinutes: z.union([z.literal(15), z.literal(30), z.literal(60)]),
    readings: z.array(reading).optional(),
    series: z.strictObject({
      firstEnd: dateTime,
      kWh: z.array(quantity),
      kVAh: z.array(quantity).optional(),
    }).optional(),
  })
  .refine((v) => (v.readings === undefined) !== (v.series === undefined), 'give exactly one of readings or series');

export const quoteInputSchema = z.discriminatedUnion('kind', [registerInputSchema, intervalInputSchema]);

export type QuoteInput = z.infer<typeof quoteInputSchema>;
export type RegisterInput = z.infer<typeof registerInputSchema>;
export type IntervalInput = z.infer<typeof intervalInputSchema>;
export type QuoteInputRaw = z.input<typeof quoteInputSchema>;
