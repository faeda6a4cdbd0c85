/** Response shapes of the tariff API (also documentation: they generate the OpenAPI document). */
import { z } from 'zod';
import { settlementRuleSchema, tariffFileSchema } from './tariff-schema.js';

export const billLineSchema = z.object({
  seq: z.int(),
  ruleId: z.string().describe('tariff rule that produced the line ("rounding" for the total rounding)'),
  kind: z.string(),
  label: z.string(),
  segment: z.string().describe('S1, S2... one per tariff version in force during the period'),
  version: z.string(),
  zone: z.string().optional(),
  slab: z.int().optional(),
  inputs: z.record(z.string(), z.string()).describe('quantities the line used, as decimal strings'),
  rate: z.string().nullable(),
  rateUnit: z.string().nullable().describe('what the rate is per: INR/kWh, INR/kVAh, INR/kVA/month, INR/month (per connection), % (of a base); null without a rate'),
  formula: z.string(),
  unrounded: z.string(),
  amount: z.string().describe('decimal string, rounded by the tariff line rule'),
});

export const billSchema = z.object({
  tariff: z.object({ code: z.string(), name: z.string(), currency: z.string(), timezone: z.string() }),
  period: z.object({ from: z.string(), to: z.string(), days: z.int(), billingMonth: z.int() }),
  segments: z.array(z.object({
    id: z.string(), version: z.string(), from: z.string(), to: z.string(), days: z.int(), fraction: z.string(),
    determinants: z.record(z.string(), z.unknown()),
  })),
  lines: z.array(billLineSchema),
  total: z.string(),
  settlementRules: z.array(settlementRuleSchema).describe('rebates and late-payment surcharge for the settlement step; not applied here'),
  warnings: z.array(z.string()),
});

export const tariffSummarySchema = z.object({
  code: z.string(),
  name: z.string(),
  category: z.string(),
  currency: z.string(),
  timezone: z.string(),
  source: z.object({ citation: z.string(), url: z.string().optional() }),
  versions: z.array(z.object({ id: z.string(), validFrom: z.string(), validTo: z.string().optional() })),
});

export const tariffDetailSchema = tariffFileSchema.omit({ $schema: true });

export const monthlyBillsSchema = z.object({ bills: z.array(billSchema), total: z.string() });
