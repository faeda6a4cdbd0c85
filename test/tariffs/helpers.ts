/** Shared test helpers: the shipped catalog, quick quotes, sums. */
import { fileURLToPath } from 'node:url';
import { D, type Dec } from '../../src/tariffs/decimal.js';
import type { Bill, CompiledTariff } from '../../src/tariffs/engine-types.js';
import { computeBill } from '../../src/tariffs/engine.js';
import { quoteInputSchema, type QuoteInputRaw } from '../../src/tariffs/quote-schema.js';
import { compileTariff } from '../../src/tariffs/tariff-catalog.js';
import { loadTariffDir } from '../../src/tariffs/tariff-loader.js';
import { validateTariffObject } from '../../src/tariffs/tariff-parse.js';
import type { TariffFileInput } from '../../src/tariffs/tariff-schema.js';

export const TARIFFS_DIR = fileURLToPath(new URL('../../tariffs/', import.meta.url));

export async function shipped(): Promise<Map<string, CompiledTariff>> {
  return new Map((await loadTariffDir(TARIFFS_DIR)).map((f) => [f.code, compileTariff(f)]));
}

export function compileInline(t: TariffFileInput): CompiledTariff {
  const r = validateTariffObject('inline', t);
  if (!r.tariff) throw new Error(JSON.stringify(r.problems));
  return compileTariff(r.tariff);
}

export function bill(t: CompiledTariff, input: QuoteInputRaw): Bill {
  return computeBill(t, quoteInputSchema.parse(input));
}

/** Amounts by rule id (summed over zones/slabs/segments), as strings with 2+ decimals. */
export function byRule(b: Bill): Record<string, string> {
  const m = new Map<string, Dec>();
  for (const l of b.lines) m.set(l.ruleId, (m.get(l.ruleId) ?? new D(0)).plus(l.amount));
  return Object.fromEntries([...m].map(([k, v]) => [k, v.toFixed(2)]));
}

export function sumLines(b: Bill): Dec {
  return b.lines.reduce((s, l) => s.plus(l.amount), new D(0));
}
