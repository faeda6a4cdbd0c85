import { z } from 'zod';
import { decimalOut, decimalString, numericString } from '../lib/decimal-schema.js';
import { boundedIsoDateTime, plainText } from '../lib/text-schema.js';
import { obisSchema, trimmedSerialSchema } from '../readings/reading-schema.js';

/** multiplying_factor numeric(12, 4): exactly what the column holds, never rounded. */
const multiplyingFactor = numericString({ precision: 12, scale: 4, positive: true });

export const METER_STATUSES = ['in_store', 'installed', 'removed', 'faulty'] as const;

/** Register values at a meter's installation or removal, keyed by OBIS code (e.g. {"1.8.0": "12345.6"}). */
export const registerReadsSchema = z
  .record(obisSchema, decimalString)
  .refine((r) => Object.keys(r).length <= 64, 'at most 64 registers')
  .meta({ id: 'RegisterReads' });

export const meterCreateSchema = z
  .object({
    serial: trimmedSerialSchema,
    phases: z.union([z.literal(1), z.literal(3)]),
    meterClass: z.enum(['lt', 'ht']).describe('lt: whole-current AMR meter; ht: CT/PT-operated meter'),
    multiplyingFactor: multiplyingFactor.default('1').describe('CT ratio × PT ratio / meter constant'),
    integrationPeriodMin: z.union([z.literal(15), z.literal(30)]).default(30).describe('MD integration period'),
    manufacturer: plainText(80).nullable().optional(),
  })
  .strict()
  .meta({ id: 'MeterCreate' });
export type MeterCreate = z.infer<typeof meterCreateSchema>;

export const meterUpdateSchema = z
  .object({
    multiplyingFactor: multiplyingFactor.optional(),
    manufacturer: plainText(80).nullable().optional(),
    status: z.enum(['in_store', 'faulty']).optional().describe('Installed meters change status by installation/removal only'),
  })
  .strict()
  .meta({ id: 'MeterUpdate' });
export type MeterUpdate = z.infer<typeof meterUpdateSchema>;

export const meterSchema = z
  .object({
    serial: z.string(),
    phases: z.number().int(),
    meterClass: z.enum(['lt', 'ht']),
    multiplyingFactor: decimalOut,
    integrationPeriodMin: z.number().int(),
    manufacturer: z.string().nullable(),
    status: z.enum(METER_STATUSES),
    currentAccountNo: z.string().nullable(),
    installedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Meter' });
export type Meter = z.infer<typeof meterSchema>;

export const meterFilterSchema = z.object({
  status: z.enum(METER_STATUSES).optional(),
  meterClass: z.enum(['lt', 'ht']).optional(),
});
export type MeterFilter = z.infer<typeof meterFilterSchema>;

export const installSchema = z
  .object({
    serial: trimmedSerialSchema,
    installedAt: boundedIsoDateTime,
    initialReads: registerReadsSchema.default({}),
    /** When the account already has a meter, this is a replacement and the old meter's final reads are recorded. */
    previousMeterFinalReads: registerReadsSchema.optional(),
    reason: plainText(200).optional(),
  })
  .strict()
  .meta({ id: 'MeterInstallation' });
export type InstallInput = z.infer<typeof installSchema>;

export const removalSchema = z
  .object({
    removedAt: boundedIsoDateTime,
    finalReads: registerReadsSchema.default({}),
    reason: plainText(200, 1),
    markFaulty: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'MeterRemoval' });
export type RemovalInput = z.infer<typeof removalSchema>;

export const installationSchema = z
  .object({
    serial: z.string(),
    accountNo: z.string(),
    installedAt: z.string(),
    removedAt: z.string().nullable(),
    initialReads: z.record(z.string(), z.string()),
    finalReads: z.record(z.string(), z.string()).nullable(),
    reason: z.string().nullable(),
  })
  .meta({ id: 'Installation' });
export type Installation = z.infer<typeof installationSchema>;
