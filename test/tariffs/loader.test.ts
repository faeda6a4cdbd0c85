/** Loader: every shipped file loads; a broken file is refused naming file, JSON path and reason. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTariffDir, TariffLoadError } from '../../src/tariffs/tariff-loader.js';
import { parseTariffText } from '../../src/tariffs/tariff-parse.js';
import { tariffJsonSchema } from '../../src/tariffs/tariff-json-schema.js';
import { TARIFFS_DIR } from './helpers.js';

const ht = readFileSync(join(TARIFFS_DIR, 'HT-IND.yaml'), 'utf8');

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tariffs-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function problems(dir: string) {
  try {
    await loadTariffDir(dir);
  } catch (e) {
    if (e instanceof TariffLoadError) return e.problems;
    throw e;
  }
  throw new Error('expected the load to fail');
}

describe('tariff loader', () => {
  it('loads the shipped set', async () => {
    const files = await loadTariffDir(TARIFFS_DIR);
    expect(files.map((f) => f.code).sort()).toEqual(['HT-IND', 'LT-DOM', 'LT-IND', 'LT-NDOM', 'URDB-EXAMPLE-COM-TOU']);
    for (const f of files.filter((x) => x.currency === 'INR')) expect(f.versions.map((v) => v.validFrom)).toContain('2025-04-01');
  });

  it('names file, path and reason for a bad value, and refuses the whole set', async () => {
    const broken = ht.replace('rate: 7.10 }]    # Rs/kVAh', 'rate: "seven" }]');
    const ps = await problems(dirWith({ 'HT-IND.yaml': broken, 'LT-DOM.yaml': readFileSync(join(TARIFFS_DIR, 'LT-DOM.yaml'), 'utf8') }));
    expect(ps).toEqual([{ file: 'HT-IND.yaml', path: '$.versions[0].components[1].slabs[0].rate', reason: expect.stringContaining('decimal') }]);
  });

  it('reports cross-references: unknown schedule, unknown zone, base that matches nothing', async () => {
    const broken = ht
      .replace('        schedule: tod\n        slabs: [{ upTo: null, rate: 7.10 }]', '        schedule: todd\n        slabs: [{ upTo: null, rate: 7.10 }]')
      .replace('base: [energy, pf, fppca]\n    settlementRules: &settlement', 'base: [energy, pf, fpppca]\n    settlementRules: &settlement');
    const ps = await problems(dirWith({ 'HT-IND.yaml': broken }));
    expect(ps).toEqual(expect.arrayContaining([
      { file: 'HT-IND.yaml', path: '$.versions[0].components[1].schedule', reason: 'schedule "todd" is not defined in this version' },
      { file: 'HT-IND.yaml', path: '$.versions[0].components[6]', reason: 'reference "fpppca" matches no rule applied before "duty"' },
    ]));
  });

  it('reports YAML syntax errors with a line, overlapping versions and duplicate codes', async () => {
    const overlapping = ht.replace('validTo: "2025-03-31"', 'validTo: "2025-04-30"');
    const ps = await problems(dirWith({ 'a.yaml': 'code: [unclosed', 'b.yaml': overlapping, 'c.yaml': ht, 'd.yaml': ht }));
    expect(ps.find((p) => p.file === 'a.yaml')?.reason).toMatch(/line 1/);
    expect(ps).toContainEqual({ file: 'b.yaml', path: '$.versions[0].validTo', reason: 'must end before the next version starts (2025-04-01)' });
    expect(ps).toContainEqual({ file: 'd.yaml', path: '$.code', reason: 'tariff code HT-IND is already defined in c.yaml' });
  });

  it('refuses a folder without tariff files and a missing folder', async () => {
    expect((await problems(dirWith({})))[0]?.reason).toMatch(/no tariff files/);
    expect((await problems('/nonexistent/tariffs'))[0]?.reason).toMatch(/cannot read folder/);
  });

  it('accepts JSON files and rejects an unknown time zone', () => {
    const r = parseTariffText('x.json', JSON.stringify({
      code: 'X', name: 'x', category: 'other', currency: 'INR', timezone: 'Mars/Olympus', source: { citation: 'c' },
      versions: [{ id: 'v', validFrom: '2024-01-01', rounding: { line: { scale: 2, mode: 'HALF_UP' }, total: { scale: 0, mode: 'HALF_UP' } },
        components: [{ id: 'f', kind: 'fixed', label: 'F', basis: 'connection', per: 'month', rate: 10 }] }],
    }));
    expect(r.problems).toEqual([{ file: 'x.json', path: '$.timezone', reason: 'unknown IANA time zone "Mars/Olympus"' }]);
  });

  it('the committed JSON Schema is the one generated from the zod schema', () => {
    const committed = JSON.parse(readFileSync(join(TARIFFS_DIR, 'tariff.schema.json'), 'utf8')) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(tariffJsonSchema())));
  });
});
