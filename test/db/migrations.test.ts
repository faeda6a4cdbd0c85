import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { hasTimescale } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/test-db.js';

const opened: TestDatabase[] = [];
afterAll(async () => {
  for (const t of opened) await t.close();
});

async function fresh(url: string | undefined): Promise<TestDatabase> {
  const t = await createTestDatabase({ migrate: false, url: url ?? '' });
  opened.push(t);
  return t;
}

const TABLES = ['accounts', 'api_keys', 'bill_lines', 'bill_series_counters', 'billing_exceptions', 'billing_run_items', 'billing_runs', 'bills', 'cycle_groups', 'dead_letters', 'events', 'gateway_credentials', 'meter_installations', 'meters', 'mqtt_sessions', 'readings'];

describe('migrations on the embedded database (PGlite, plain tables)', () => {
  it('creates ordinary tables without TimescaleDB, and is idempotent', async () => {
    const t = await fresh(undefined);
    const first = await migrateToLatest(t.db);
    expect(first.applied).toContain('0001_foundation');
    expect(await hasTimescale(t.db)).toBe(false);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_extension where extname = 'timescaledb'`.execute(t.db);
    expect(rows).toEqual([{ n: 0 }]);
    const { rows: tables } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = current_schema() and table_name not like 'kysely%'
      order by 1`.execute(t.db);
    expect(tables.map((r) => r.table_name)).toEqual(TABLES);
    const second = await migrateToLatest(t.db);
    expect(second.applied).toEqual([]);
  }, 60_000); // a fresh embedded PostgreSQL migrated twice: ~17 s on a loaded 2-core machine
});

describe('an up-to-date database is recognised without running the migrator', () => {
  it('a pending migration (its row missing) still goes to the migrator', async () => {
    const t = await createTestDatabase();
    opened.push(t);
    const { rows } = await sql<{ name: string }>`select max(name) as name from kysely_migration`.execute(t.db);
    const last = rows[0]?.name as string;
    expect(last).toMatch(/^\d{4}_/);
    await sql`delete from kysely_migration where name = ${last}`.execute(t.db);
    // The migrator re-runs the last migration, whose objects exist: the failure proves it was asked.
    await expect(migrateToLatest(t.db)).rejects.toThrow(`migration ${last} failed`);
  });

  it('a recorded migration without its file goes to the migrator, which refuses it', async () => {
    const t = await createTestDatabase();
    opened.push(t);
    await sql`insert into kysely_migration (name, timestamp) values ('9999_from_a_newer_meterbill', now()::text)`.execute(t.db);
    await expect(migrateToLatest(t.db)).rejects.toThrow(/9999_from_a_newer_meterbill/);
  });
});

describe.skipIf(!serverUrl)('migrations on a plain PostgreSQL server', () => {
  it('creates ordinary tables in the test schema and is idempotent', async () => {
    const t = await fresh(serverUrl);
    const first = await migrateToLatest(t.db);
    expect(first.applied).toContain('0001_foundation');
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = ${t.schema} and table_name not like 'kysely%'
      order by 1`.execute(t.db);
    expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(TABLES));
    expect(await migrateToLatest(t.db)).toEqual({ applied: [] });
  });

  it('applies a portable date_bin query the same way as on TimescaleDB', async () => {
    const t = await fresh(serverUrl);
    await migrateToLatest(t.db);
    await t.db
      .insertInto('readings')
      .values([
        { meter_id: 1, channel: '1.29.0', ts: '2026-04-01T00:15:00Z', value: '0.5' },
        { meter_id: 1, channel: '1.29.0', ts: '2026-04-01T00:30:00Z', value: '0.25' },
      ])
      .execute();
    const { rows } = await sql<{ total: string }>`
      select sum(value)::text as total from readings group by date_bin('1 hour', ts, timestamptz '2000-01-01')`.execute(t.db);
    expect(rows).toEqual([{ total: '0.75' }]);
  });
});
