/**
 * Issue 9 §4: a quote a billing clerk can print. Amounts are the golden HT-IND and LT-DOM bills
 * worked by hand in golden.test.ts (954047 and 1698); here: every rate has its unit, the columns
 * line up, the total is there, and the explanation uses words instead of JSON field names.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { billTable, rateText } from '../../src/tariffs/bill-table.js';
import { buildCatalog } from '../../src/tariffs/tariff-catalog.js';
import { loadTariffDir } from '../../src/tariffs/tariff-loader.js';
import { tariffServiceOf, type TariffService } from '../../src/tariffs/tariff-service.js';
import { TARIFFS_DIR } from './helpers.js';

const HT_INPUT = {
  kind: 'registers',
  period: { from: '2024-06-01', to: '2024-07-01' },
  connection: { contractDemand: 500 },
  energy: { kVAh: { normal: 60000, peak: 20000, offpeak: 20000 }, kWh: 96000 },
  maxDemand: { kVA: 520 },
};
const LT_INPUT = { kind: 'registers', period: { from: '2024-06-01', to: '2024-07-01' }, connection: { sanctionedLoad: 2 }, energy: { kWh: 250 } };

let svc: TariffService;
beforeAll(async () => {
  svc = tariffServiceOf(buildCatalog(await loadTariffDir(TARIFFS_DIR)));
});

/** The table's rows: `seq  label ... rate  amount`. */
const row = (text: string, seq: number) => text.split('\n').find((l) => new RegExp(`^\\s*${seq}  \\S`).test(l) && !l.includes('×')) ?? '';

describe('the printable quote', () => {
  it('gives every line with a rate its unit (JSON: rateUnit with the currency code)', () => {
    const b = svc.quote('HT-IND', HT_INPUT);
    expect(b.lines.map((l) => [l.ruleId, l.rateUnit])).toEqual([
      ['energy', 'INR/kVAh'], ['energy', 'INR/kVAh'], ['energy', 'INR/kVAh'], ['demand', 'INR/kVA/month'], ['excess', 'INR/kVA/month'],
      ['pf', '%'], ['fppca', 'INR/kVAh'], ['regsur', '%'], ['duty', '%'], ['rounding', null],
    ]);
    const t = billTable(b);
    expect(row(t, 2)).toMatch(/Energy charge \(TOD\)\s+peak, slab 1\s+8\.165 ₹\/kVAh\s+163300\.00$/);
    expect(row(t, 4)).toMatch(/Demand charge\s+300 ₹\/kVA\/month\s+156000\.00$/);
    expect(row(t, 6)).toMatch(/-0\.5 %\s+-3550\.00$/);
    expect(row(t, 8)).toMatch(/Regulatory surcharge 2\.84 %\s+2\.84 %\s+24862\.78$/);
    const lt = svc.quote('LT-DOM', LT_INPUT);
    expect(lt.lines.find((l) => l.ruleId === 'fixed')?.rateUnit).toBe('INR/kW/month');
    expect(row(billTable(lt), 1)).toMatch(/Fixed charge\s+110 ₹\/kW\/month\s+220\.00$/);
    expect(rateText({ rate: '50', rateUnit: 'INR/month' }, 'INR')).toBe('50 ₹/month'); // per connection
    expect(rateText({ rate: '0.12', rateUnit: 'USD/kWh' }, 'USD')).toBe('0.12 $/kWh');
  });

  it('prints the amounts of the bill unchanged, right-aligned, with the total', () => {
    for (const [code, input, total] of [['HT-IND', HT_INPUT, '954047'], ['LT-DOM', LT_INPUT, '1698']] as const) {
      const b = svc.quote(code, input);
      expect(b.total).toBe(total);
      const t = billTable(b);
      const rows = b.lines.map((l) => row(t, l.seq));
      rows.forEach((r, i) => expect(r.endsWith(` ${b.lines[i]?.amount}`), r).toBe(true));
      const totalRow = t.split('\n').find((l) => /^\s+Total\s/.test(l)) ?? '';
      expect(totalRow.endsWith(` ${total}`)).toBe(true);
      const ends = new Set([...rows, totalRow].map((r) => r.length));
      expect(ends.size, 'amount column aligned').toBe(1);
      expect(t).toContain('Period: 2024-06-01 to 2024-06-30 (30 days)'); // `to` in the JSON is the day after
    }
  });

  it('explains each line in words, not in the JSON field names', () => {
    const t = billTable(svc.quote('HT-IND', HT_INPUT));
    for (const jargon of ['slabIndex', 'zoneEnergy', 'tierQuantity', 'baseRules', 'billingDemand', 'maxDemandKVA', 'recordedPeak', 'HALF_UP', 'contractDemand']) {
      expect(t, jargon).not.toContain(jargon);
    }
    expect(t).toContain('billing demand: 520 kVA, the recorded maximum demand (the highest of: recorded maximum demand 520, share of contract demand 375)');
    expect(t).toContain('applies to: Energy charge (TOD), Demand charge, Excess demand surcharge, Power factor incentive / penalty, Fuel and power purchase cost adjustment');
    expect(t).toContain('20000 kVAh × 7.1 × 1.15 (time-of-day factor)');
    expect(t).toContain('954046.53 rounded to whole ₹ (half up), a difference of 0.47');
    expect(t).toContain('Late payment surcharge: 1.25 % of the overdue amount per month');
  });
});

describe('meterbill tariffs quote --format', () => {
  const run = promisify(execFile);
  const dir = mkdtempSync(path.join(tmpdir(), 'quote-'));
  const input = path.join(dir, 'ht.json');
  writeFileSync(input, JSON.stringify(HT_INPUT));
  const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'tariffs', 'quote', 'HT-IND', '--input', input, ...args]);

  it('prints the table with --format table, JSON when piped without --format, and refuses another format', async () => {
    const table = await cli('--format', 'table');
    expect(table.stdout).toContain('Bill quote: HT Industrial (11 kV) (HT-IND)');
    expect(table.stdout).toMatch(/Total\s+954047\n/);
    const json = await cli();
    expect(JSON.parse(json.stdout).total).toBe('954047');
    await expect(cli('--format', 'pdf')).rejects.toMatchObject({ stderr: expect.stringContaining('Allowed choices are table, json') });
  }, 60_000);
});
