/**
 * Payload contract v1: the single source of truth for what gateways and meters publish.
 * docs/mqtt.md and docs/schemas/*.json are generated from these schemas
 * (`npx tsx src/ingest/gen-payload-docs.ts`).
 *
 * Values are decimal strings (exact). A JSON number is accepted and converted with String(n), so
 * publish strings when a value has more digits than a double holds. Timestamps are ISO 8601 with
 * an offset (`Z` or `+05:30`); a time without a zone is ambiguous and rejected.
 *
 * Whether a channel exists and fits the item (register vs interval vs instant) is checked by the
 * validator against the channel catalogue, not here: an unknown channel dead-letters that item
 * only, with reason `unknown_channel`, while a schema failure dead-letters the meter's payload.
 */
import { z } from 'zod';
import { obisSchema, serialSchema } from '../readings/reading-schema.js';

export const PAYLOAD_VERSION = 1;

const DECIMAL = /^\d{1,15}(\.\d{1,9})?$/;
const SIGNED_DECIMAL = /^-?\d{1,15}(\.\d{1,9})?$/;

const decimalValue = (re: RegExp, what: string) =>
  z
    .union([z.string(), z.number()])
    .transform((v) => (typeof v === 'number' ? String(v) : v))
    .pipe(z.string().regex(re, what));

/** Non-negative decimal: energy, registers, demand. */
export const meterValueSchema = decimalValue(DECIMAL, 'a non-negative decimal (≤ 15 integer, ≤ 9 fraction digits)').meta({
  description: 'Non-negative decimal, preferably as a string ("12345.67"); a JSON number is converted with String(n).',
});
/** Signed decimal: instantaneous values (a leading power factor is negative). */
export const signedValueSchema = decimalValue(SIGNED_DECIMAL, 'a decimal (≤ 15 integer, ≤ 9 fraction digits)');

export const timestampSchema = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp with offset, e.g. 2025-01-31T18:30:00Z');

export const profileBlockSchema = z
  .object({
    channel: obisSchema.describe('Interval channel, e.g. 1.29.0 (kWh) or 9.29.0 (kVAh)'),
    periodMin: z.union([z.literal(15), z.literal(30), z.literal(60)]).describe('Interval length in minutes'),
    start: timestampSchema.describe('Start of the first interval; value i is stamped at start + (i+1)·period (interval end)'),
    values: z.array(meterValueSchema.nullable()).min(1).max(2976).describe('Energy per interval; null = interval not recorded (no row)'),
    unit: z.string().max(16).optional().describe('Optional; when given it must equal the catalogue unit'),
  })
  .strict()
  .meta({ id: 'ProfileBlock', description: 'Load-profile (block load survey) energy per interval for one channel' });

export const demandSchema = z
  .object({ value: meterValueSchema, at: timestampSchema.describe('When the maximum occurred') })
  .strict()
  .meta({ id: 'MaximumDemand' });

export const registerSnapshotSchema = z
  .object({
    at: timestampSchema.describe('When the registers were read'),
    values: z.record(obisSchema, meterValueSchema).optional().describe('Cumulative registers by OBIS code (x.8.y)'),
    md: z.record(obisSchema, demandSchema).optional().describe('Maximum demand since last reset by OBIS code (1.6.0, 9.6.0)'),
    mdResetCount: z.number().int().min(0).max(1_000_000).optional().describe('MD reset count, stored as channel 0.1.0'),
    rollover: z.array(obisSchema).max(64).optional().describe('Registers that rolled over (or were reset) since the previous snapshot'),
    units: z.record(obisSchema, z.string().max(16)).optional().describe('Optional units by channel; must equal the catalogue'),
  })
  .strict()
  .meta({ id: 'RegisterSnapshot', description: 'Cumulative register snapshot with maximum demand' });

export const instantSampleSchema = z
  .object({
    at: timestampSchema,
    values: z.record(obisSchema, signedValueSchema).describe('Instantaneous values by OBIS code (x.7.0)'),
    units: z.record(obisSchema, z.string().max(16)).optional(),
  })
  .strict()
  .meta({ id: 'InstantSample', description: 'Instantaneous values: V and I per phase, PF, frequency, power' });

export const meterEventSchema = z
  .object({
    at: timestampSchema,
    code: z.number().int().min(1).max(65535).describe('IS 15959 event code (occurrence and restoration have their own codes)'),
    details: z.record(z.string(), z.unknown()).optional().describe('Free-form details (snapshot values at the event)'),
  })
  .strict()
  .meta({ id: 'MeterEvent' });

const meterPayloadShape = {
  v: z.literal(PAYLOAD_VERSION).optional().describe('Contract version; 1 when absent'),
  profiles: z.array(profileBlockSchema).max(32).optional(),
  registers: z.array(registerSnapshotSchema).max(96).optional(),
  instant: z.array(instantSampleSchema).max(1440).optional(),
  events: z.array(meterEventSchema).max(1000).optional(),
};

/** Payload on `{prefix}/meters/{serial}/data`; `serial`, when present, must equal the topic's. */
export const meterPayloadSchema = z
  .object({ serial: serialSchema.optional(), ...meterPayloadShape })
  .strict()
  .meta({ id: 'MeterPayload', description: "One meter's data: load profile, registers, instantaneous values, events" });

/** One meter inside a gateway batch: like MeterPayload with `serial` required. */
export const gatewayMeterSchema = z
  .object({ serial: serialSchema, ...meterPayloadShape })
  .strict()
  .meta({ id: 'GatewayMeter' });

export const gatewayBatchSchema = z
  .object({
    v: z.literal(PAYLOAD_VERSION).optional(),
    gatewayId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).describe('Must equal the topic segment'),
    sentAt: timestampSchema.optional(),
    meters: z.array(gatewayMeterSchema).min(1).max(10_000),
  })
  .strict()
  .meta({ id: 'GatewayBatch', description: 'Payload on {prefix}/gateways/{gatewayId}/batch' });

/**
 * The envelope the service parses first: items stay unknown so one bad meter in a batch is
 * dead-lettered alone, and the others are parsed with gatewayMeterSchema one by one.
 */
export const gatewayEnvelopeSchema = gatewayBatchSchema.extend({ meters: z.array(z.unknown()).min(1).max(10_000) });

export type ProfileBlock = z.infer<typeof profileBlockSchema>;
export type RegisterSnapshot = z.infer<typeof registerSnapshotSchema>;
export type InstantSample = z.infer<typeof instantSampleSchema>;
export type MeterEvent = z.infer<typeof meterEventSchema>;
export type MeterPayload = z.infer<typeof meterPayloadSchema>;
export type GatewayMeter = z.infer<typeof gatewayMeterSchema>;
export type GatewayBatch = z.infer<typeof gatewayBatchSchema>;
/** What a publisher may send (numbers allowed where the parsed type has strings). */
export type MeterPayloadInput = z.input<typeof meterPayloadSchema>;
export type GatewayBatchInput = z.input<typeof gatewayBatchSchema>;
