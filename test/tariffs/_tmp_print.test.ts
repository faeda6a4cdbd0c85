import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { samInputsToUrdb } from '../../src/tariffs/urdb/sam-adapter.js';
import { importUrdb } from '../../src/tariffs/urdb/import-urdb.js';
import { compileTariff } from '../../src/tariffs/tariff-catalog.js';
import { computeMonthlyBills } from '../../src/tariffs/monthly.js';
import { intervalInputSchema } from '../../src/tariffs/quote-schema.js';
it('print', () => {
  for (const n of ['commercial_demand_charges', 'residential_tou_rates', 'commercial_kwh_per_kw_billing_demand_ratchet']) {
    const v = JSON.parse(readFileSync(`/work/shared/vectors/sam/${n}.json`, 'utf8'));
    const t = compileTariff(importUrdb(samInputsToUrdb(v.sam_inputs_raw), { timezone: 'UTC', validFrom: '2018-01-01' }));
    const r = computeMonthlyBills(t, intervalInputSchema.parse({ kind: 'intervals', period: { from: '2018-01-01', to: '2019-01-01' }, intervalMinutes: 60, series: { firstEnd: '2018-01-01T01:00:00Z', kWh: v.load_kw_hourly } }));
    console.log(n, r.total.toFixed(), r.bills.map((b) => b.total.toFixed()).join(' '), v.expected.monthly.map((m: {total: number}) => m.total.toFixed(2)).join(' '));
  }
});
