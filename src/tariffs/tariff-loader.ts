/**
 * Imperative shell: read every tariff file of a folder, validate all of them, and return the
 * set only when every file is valid (never a half-loaded set). Problems name the file, the
 * JSON path and the reason.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../lib/errors.js';
import { parseTariffText, type LoadProblem } from './tariff-parse.js';
import type { TariffFile } from './tariff-schema.js';

const TARIFF_FILE = /\.(ya?ml|json)$/i;

export class TariffLoadError extends ValidationError {
  constructor(readonly problems: LoadProblem[]) {
    super(`${problems.length} problem(s) in tariff files:\n${problems.map((p) => `  ${p.file} ${p.path}: ${p.reason}`).join('\n')}`, problems);
  }
}

export async function loadTariffDir(dir: string): Promise<TariffFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => TARIFF_FILE.test(n) && !n.endsWith('.schema.json')).sort();
  } catch (e) {
    throw new TariffLoadError([{ file: dir, path: '$', reason: `cannot read folder: ${(e as Error).message}` }]);
  }
  const problems: LoadProblem[] = [];
  const tariffs: TariffFile[] = [];
  const owner = new Map<string, string>();
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8');
    const r = parseTariffText(name, text);
    problems.push(...r.problems);
    if (!r.tariff) continue;
    const prev = owner.get(r.tariff.code);
    if (prev) problems.push({ file: name, path: '$.code', reason: `tariff code ${r.tariff.code} is already defined in ${prev}` });
    owner.set(r.tariff.code, name);
    tariffs.push(r.tariff);
  }
  if (names.length === 0) problems.push({ file: dir, path: '$', reason: 'no tariff files (*.yaml, *.yml, *.json)' });
  if (problems.length) throw new TariffLoadError(problems);
  return tariffs;
}
