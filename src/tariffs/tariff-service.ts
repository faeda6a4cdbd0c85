/**
 * Tariff service: the catalog (loaded once, all-or-nothing) and quotes. Thin shell over the
 * pure engine; input is validated here with the quote schema.
 */
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { pathIssues } from '../lib/zod-issues.js';
import type { z } from 'zod';
import type { billSchema, monthlyBillsSchema, tariffSummarySchema } from './bill-schema.js';
import { toBillJson } from './bill-json.js';
import { plain } from './decimal.js';
import { computeBill } from './engine.js';
import type { CompiledTariff } from './engine-types.js';
import { computeMonthlyBills } from './monthly.js';
import { intervalInputSchema, quoteInputSchema, type QuoteInput } from './quote-schema.js';
import type { Catalog } from './tariff-catalog.js';
import { jsonPath } from './tariff-parse.js';
import type { TariffFile } from './tariff-schema.js';

export type TariffSummary = z.infer<typeof tariffSummarySchema>;
export type BillOut = z.infer<typeof billSchema>;
export type MonthlyBillsOut = z.infer<typeof monthlyBillsSchema>;

export interface TariffService {
  list(): TariffSummary[];
  get(code: string): TariffFile;
  /** One bill for input.period. `input` is validated (unknown in, ValidationError out). */
  quote(code: string, input: unknown): BillOut;
  /** One bill for an input already validated with quoteInputSchema. */
  quoteParsed(code: string, input: QuoteInput): BillOut;
  /** Interval input only: one bill per calendar month, ratchet history carried forward. */
  quoteMonthly(code: string, input: unknown): MonthlyBillsOut;
}

function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const details = pathIssues(r.error.issues).map((i) => ({ path: jsonPath(i.path), message: i.message }));
  throw new ValidationError(`invalid quote input: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
}

export function tariffServiceOf(catalog: Catalog): TariffService {
  const tariff = (code: string): CompiledTariff => {
    const t = catalog.tariffs.get(code);
    if (!t) throw new NotFoundError(`no tariff ${code}`);
    return t;
  };
  return {
    list: () => [...catalog.tariffs.values()].map(({ file: f }) => ({
      code: f.code, name: f.name, category: f.category, currency: f.currency, timezone: f.timezone, source: f.source,
      versions: f.versions.map((v) => ({ id: v.id, validFrom: v.validFrom, ...(v.validTo ? { validTo: v.validTo } : {}) })),
    })).sort((a, b) => a.code.localeCompare(b.code)),
    get: (code) => tariff(code).file,
    quote: (code, input) => {
      const t = tariff(code);
      return toBillJson(computeBill(t, parseInput<QuoteInput>(quoteInputSchema, input)));
    },
    quoteParsed: (code, input) => toBillJson(computeBill(tariff(code), input)),
    quoteMonthly: (code, input) => {
      const t = tariff(code);
      const r = computeMonthlyBills(t, parseInput(intervalInputSchema, input));
      return { bills: r.bills.map(toBillJson), total: plain(r.total, r.bills[0]?.totalScale) };
    },
  };
}
