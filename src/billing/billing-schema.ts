/** REST shapes of billing (they generate the OpenAPI document). Money is decimal text. */
import { z } from 'zod';
import { cycleCalendarSchema } from './cycle-calendar.js';
import { veeThresholdsSchema } from './vee-rules.js';

export const periodLabel = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM').describe('billing month, YYYY-MM');
export const groupCode = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, '1-32 letters, digits, _ or -');

export const cycleGroupBodySchema = cycleCalendarSchema.omit({ group: true }).extend({
  veeThresholds: veeThresholdsSchema.partial().strict().optional().describe('validation thresholds over the documented defaults'),
});

export const cycleGroupSchema = z.object({
  group: z.string(), readDay: z.int(), windowDays: z.int(),
  dueDays: z.object({ default: z.int(), byCategory: z.record(z.string(), z.int()) }),
  billSeries: z.string(), veeThresholds: z.record(z.string(), z.unknown()), version: z.int(), updatedAt: z.string(),
});

export const runStartSchema = z.strictObject({
  cycleGroup: groupCode,
  period: periodLabel,
  dryRun: z.boolean().default(false).describe('compute and report without issuing bills'),
});

export const runSchema = z.object({
  id: z.int(), cycleGroup: z.string(), period: z.string(), dryRun: z.boolean(), status: z.enum(['running', 'completed']),
  startedBy: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(),
});

export const runProgressSchema = z.object({
  run: runSchema,
  total: z.int().describe('accounts in the run'),
  done: z.int().describe('accounts finished (issued, held, failed or computed)'),
  byStatus: z.record(z.string(), z.int()),
  amount: z.string().describe('total of the issued (or, in a dry run, computed) bills'),
  estimated: z.int(),
  failedByReason: z.record(z.string(), z.int()),
});

export const billLineOutSchema = z.object({
  seq: z.int(), ruleId: z.string(), kind: z.string(), label: z.string(), zone: z.string().nullable(), amount: z.string(),
  explanation: z.record(z.string(), z.unknown()),
});

export const billOutSchema = z.object({
  id: z.int(), billNo: z.string().nullable().describe('null while held'), accountNo: z.string(), cyclePeriod: z.string(),
  period: z.object({ from: z.string(), to: z.string() }), version: z.int(), status: z.string(), estimated: z.boolean(),
  estimateMethod: z.string().nullable(), tariffCode: z.string(), total: z.string(), billDate: z.string(), dueDate: z.string(),
  reads: z.record(z.string(), z.unknown()), determinants: z.record(z.string(), z.unknown()), warnings: z.array(z.string()),
  lines: z.array(billLineOutSchema),
});

export const exceptionSchema = z.object({
  id: z.int(), accountNo: z.string(), billId: z.int().nullable(), rule: z.string(), severity: z.string(), message: z.string(),
  data: z.record(z.string(), z.unknown()), status: z.string(), createdAt: z.string(),
});
