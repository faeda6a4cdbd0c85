/**
 * A fresh PostgreSQL database for one benchmark or reliability run: created from the admin URL,
 * migrated, seeded with the simulator's meters (installed, with accounts), dropped afterwards.
 */
import pg from 'pg';
import { connectDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { MeterSpec } from '../../src/simulator/meter-model.js';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface FreshDatabase {
  name: string;
  url: string;
  handle: DatabaseHandle;
  /** meter id by serial */
  meterIds: Map<string, number>;
  drop(): Promise<void>;
}

export function databaseUrl(name: string, base = ADMIN_URL): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** True when the PostgreSQL server answers (tests skip with a message otherwise). */
export async function postgresReachable(): Promise<boolean> {
  try {
    await admin((c) => c.query('select 1'));
    return true;
  } catch {
    return false;
  }
}

export async function createFreshDatabase(prefix: string, meters: readonly MeterSpec[]): Promise<FreshDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  await admin((c) => c.query(`create database "${name}"`));
  const url = databaseUrl(name);
  const handle = await connectDatabase({ databaseUrl: url, poolMax: 4 });
  await migrateToLatest(handle.db);
  const meterIds = await seedMeters(handle.pool as pg.Pool, meters);
  return {
    name,
    url,
    handle,
    meterIds,
    drop: async () => {
      await handle.close();
      await admin(async (c) => {
        await c.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [name]);
        await c.query(`drop database if exists "${name}"`);
      });
    },
  };
}

/** One account, meter and open installation per spec, in three set-based statements. */
async function seedMeters(pool: pg.Pool, specs: readonly MeterSpec[]): Promise<Map<string, number>> {
  const c = await pool.connect();
  try {
    await c.query('begin');
    await c.query(
      `insert into accounts (account_no, name, category, tariff_code, sanctioned_load_kw, contract_demand_kva, supply_voltage_v, cycle_group, connected_on)
       select 'A-' || s, 'Sim ' || s, cat, case when cls = 'ht' then 'HT-IND' else 'LT-DOM' end, kw, case when cls = 'ht' then kw end,
              case when cls = 'ht' then 11000 else 230 end, 'C1', inst::date
       from unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::timestamptz[]) as t(s, cat, cls, kw, inst)`,
      [specs.map((s) => s.serial), specs.map((s) => s.category), specs.map((s) => s.meterClass), specs.map((s) => s.ratingKw), specs.map((s) => s.installedAt.toISOString())],
    );
    await c.query(
      `insert into meters (serial, phases, meter_class, multiplying_factor, integration_period_min, status)
       select * from unnest($1::text[], $2::smallint[], $3::text[], $4::numeric[], $5::smallint[], $6::text[])`,
      [specs.map((s) => s.serial), specs.map((s) => s.phases), specs.map((s) => s.meterClass), specs.map((s) => s.multiplyingFactor), specs.map((s) => s.integrationPeriodMin), specs.map(() => 'installed')],
    );
    await c.query(
      `insert into meter_installations (meter_id, account_id, installed_at, reason)
       select m.id, a.id, t.inst, 'simulated' from unnest($1::text[], $2::timestamptz[]) as t(s, inst)
       join meters m on m.serial = t.s join accounts a on a.account_no = 'A-' || t.s`,
      [specs.map((s) => s.serial), specs.map((s) => s.installedAt.toISOString())],
    );
    await c.query('commit');
    const { rows } = await c.query<{ serial: string; id: string }>('select serial, id from meters');
    return new Map(rows.map((r) => [r.serial, Number(r.id)]));
  } catch (err) {
    await c.query('rollback');
    throw err;
  } finally {
    c.release();
  }
}
