/**
 * `--serials-from-db` and the demo simulator: the installed meters of the database (serial,
 * class, MF, install date, the consumer's category and load) as simulator specs, and the last
 * stored register values so a new run continues the registers instead of going backwards.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ConsumerCategory, MeterSpec } from './meter-model.js';

interface Row {
  serial: string;
  meter_class: string;
  phases: number;
  multiplying_factor: string;
  integration_period_min: number;
  installed_at: Date | string;
  category: string;
  sanctioned_load_kw: string;
  contract_demand_kva: string | null;
}

export async function loadInstalledMeters(db: Kysely<Database>, limit?: number): Promise<MeterSpec[]> {
  let q = db
    .selectFrom('meters as m')
    .innerJoin('meter_installations as i', (j) => j.onRef('i.meter_id', '=', 'm.id').on('i.removed_at', 'is', null))
    .innerJoin('accounts as a', 'a.id', 'i.account_id')
    .select(['m.serial', 'm.meter_class', 'm.phases', 'm.multiplying_factor', 'm.integration_period_min', 'i.installed_at', 'a.category', 'a.sanctioned_load_kw', 'a.contract_demand_kva'])
    .where('m.status', '=', 'installed')
    .orderBy('m.id');
  if (limit !== undefined) q = q.limit(limit);
  const rows = (await q.execute()) as Row[];
  return rows.map((r) => ({
    serial: r.serial,
    meterClass: r.meter_class === 'ht' ? 'ht' : 'lt',
    phases: r.phases === 3 ? 3 : 1,
    category: r.category as ConsumerCategory,
    ratingKw: Number(r.meter_class === 'ht' ? (r.contract_demand_kva ?? r.sanctioned_load_kw) : r.sanctioned_load_kw),
    multiplyingFactor: Number(r.multiplying_factor),
    integrationPeriodMin: r.integration_period_min === 15 ? 15 : 30,
    installedAt: new Date(r.installed_at),
  }));
}

/** Latest stored value of each cumulative register (x.8.y), as integer Wh by serial. */
export async function loadLastRegisters(db: Kysely<Database>, serials: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (!serials.length) return out;
  const { rows } = await sql<{ serial: string; channel: string; value: string }>`
    select m.serial, r.channel, max(r.value)::text as value
    from meters m join readings r on r.meter_id = m.id
    where m.serial = any(${[...serials]}) and r.channel ~ '^[0-9]+\\.8\\.[0-9]+$'
    group by m.serial, r.channel`.execute(db);
  for (const r of rows) {
    const regs = out.get(r.serial) ?? {};
    regs[r.channel] = Math.round(Number(r.value) * 1000);
    out.set(r.serial, regs);
  }
  return out;
}
