/**
 * Text of one tariff file -> validated TariffFile, or every problem with its JSON path. Pure
 * (the loader does the reading). YAML and JSON are both accepted (JSON is YAML).
 */
import { LineCounter, parseDocument } from 'yaml';
import { tariffFileSchema, type TariffFile } from './tariff-schema.js';
import { validateTariff } from './tariff-validate.js';

export interface LoadProblem {
  file: string;
  path: string;
  reason: string;
}

export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`;
  return out;
}

export function parseTariffText(file: string, text: string): { tariff?: TariffFile; problems: LoadProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length) {
    return {
      problems: doc.errors.map((e) => ({ file, path: '$', reason: `${e.code}: ${e.message.split('\n')[0]} (line ${lines.linePos(e.pos[0]).line})` })),
    };
  }
  return validateTariffObject(file, doc.toJS());
}

export function validateTariffObject(file: string, data: unknown): { tariff?: TariffFile; problems: LoadProblem[] } {
  const parsed = tariffFileSchema.safeParse(data);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => ({ file, path: jsonPath(i.path), reason: i.message })) };
  }
  const issues = validateTariff(parsed.data);
  if (issues.length) return { problems: issues.map((i) => ({ file, path: jsonPath(i.path), reason: i.message })) };
  return { tariff: parsed.data, problems: [] };
}
