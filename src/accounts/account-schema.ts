import { z } from 'zod';
import { decimalOut, numericString } from '../lib/decimal-schema.js';
import { boundedIsoDate, INT4_MAX, plainText } from '../lib/text-schema.js';

export const CATEGORIES = ['lt_domestic', 'lt_non_domestic', 'lt_industrial', 'ht_industrial', 'ht_non_industrial'] as const;
export const ACCOUNT_STATUSES = ['active', 'disconnected', 'closed'] as const;

export const categorySchema = z.enum(CATEGORIES).describe('Tariff class of the connection');
export const accountStatusSchema = z.enum(ACCOUNT_STATUSES);
export const accountNoSchema = z.string().trim().regex(/^[A-Za-z0-9-]{3,32}$/, '3–32 letters, digits or dashes');

const load = numericString({ precision: 12, scale: 3, positive: true });

const contact = {
  phone: z.string().trim().regex(/^\+?[0-9 -]{6,20}$/).nullable().optional(),
  email: z.email().max(254).nullable().optional(),
  address: plainText(500).nullable().optional(),
};

export const accountCreateSchema = z
  .object({
    accountNo: accountNoSchema,
    name: plainText(200, 1),
    category: categorySchema,
    tariffCode: z.string().trim().regex(/^[A-Z0-9][A-Z0-9_-]{1,39}$/, 'upper-case tariff code'),
    // numeric(12, 3) columns: exactly what they hold, never rounded.
    sanctionedLoadKw: load.describe('Sanctioned load, kW'),
    contractDemandKva: load.nullable().optional().describe('Contract demand, kVA (HT)'),
    supplyVoltageV: z.number().int().positive().max(400_000),
    cycleGroup: z.string().trim().regex(/^[A-Za-z0-9_-]{1,20}$/),
    route: plainText(40).nullable().optional(),
    status: accountStatusSchema.default('active'),
    connectedOn: boundedIsoDate,
    ...contact,
  })
  .strict()
  .meta({ id: 'ConsumerCreate' });
export type AccountCreate = z.infer<typeof accountCreateSchema>;

export const accountUpdateSchema = accountCreateSchema
  .omit({ accountNo: true })
  .partial()
  // Without this, zod 4 applies the create schema's `status` default to a partial too: every
  // PATCH (even `{}`) set status 'active', re-activating disconnected consumers.
  .extend({ status: accountStatusSchema.optional() })
  .extend({ expectedVersion: z.number().int().positive().max(INT4_MAX).optional().describe('Optimistic concurrency: fail with 409 if the record changed') })
  .strict()
  .meta({ id: 'ConsumerUpdate' });
export type AccountUpdate = z.infer<typeof accountUpdateSchema>;

export const accountSchema = z
  .object({
    accountNo: z.string(),
    name: z.string(),
    category: categorySchema,
    tariffCode: z.string(),
    sanctionedLoadKw: decimalOut,
    contractDemandKva: decimalOut.nullable(),
    supplyVoltageV: z.number().int(),
    cycleGroup: z.string(),
    route: z.string().nullable(),
    status: accountStatusSchema,
    connectedOn: z.string(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    address: z.string().nullable(),
    currentMeterSerial: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Consumer' });
export type Account = z.infer<typeof accountSchema>;

export const accountFilterSchema = z.object({
  category: categorySchema.optional(),
  cycleGroup: plainText(20).optional(),
  status: accountStatusSchema.optional(),
  tariffCode: plainText(40).optional(),
});
export type AccountFilter = z.infer<typeof accountFilterSchema>;
