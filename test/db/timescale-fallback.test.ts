/**
 * The states around a preloaded TimescaleDB (README, "TimescaleDB set-up"):
 * - installed but not preloaded (TEST_TIMESCALE_NOT_PRELOADED_URL, comma separated, or
 *   TEST_DATABASE_URL itself when it is such a server): never created in that database →
 *   `migrate` falls back to plain tables with a warning; created there (the preload removed
 *   later) → `migrate` refuses cleanly, changing nothing;
 * - any server: an application role that is not a superuser migrates (runs on CI too).
 */
import pg from 'pg';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase, hasTimescale } from '../../src/db/connect.js';
import { migrateToLatest, TimescaleNotPreloadedError } from '../../src/db/migrate.js';
import { createTimescaleJobsMonitor, listTimescaleJobs } from '../../src/db/timescale-jobs.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/test-db.js';
import { serverState } from '../helpers/timescale-server.js';

const main = await serverState(serverUrl);
const usable = main.preloaded;
const notPreloadedUrls = [
  ...(process.env.TEST_TIMESCALE_NOT_PRELOADED_URL ?? '').split(',').filter((u) => u !== ''),
  ...(main.available && !main.preloaded && serverUrl ? [serverUrl] : []),
];

const opened: TestDatabase[] = [];
afterAll(async () => {
  for (const t of opened) await t.close();
});

async function fresh(url: string): Promise<TestDatabase> {
  const t = await createTestDatabase({ migrate: false, url });
  opened.push(t);
  return t;
}

async function hypertables(t: TestDatabase): Promise<string[]> {
  const { rows } = await sql<{ hypertable_name: string }>`
    select hypertable_name from timescaledb_information.hypertables where hypertable_schema = ${t.schema} order by 1`.execute(t.db);
  return rows.map((r) => r.hypertable_name);
}

/** Not preloaded: has the extension been created in that database (a server that lost its preload)? */
async function extensionCreated(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(`select 1 from pg_extension where extname = 'timescaledb'`)).rowCount === 1;
  } finally {
    await c.end();
  }
}

const notCreated: string[] = [];
const lostPreload: string[] = [];
for (const url of notPreloadedUrls) ((await extensionCreated(url)) ? lostPreload : notCreated).push(url);

describe.skipIf(notCreated.length === 0)('migrations on a server with TimescaleDB installed but not preloaded', () => {
  it.each(notCreated)('falls back to plain tables with a warning instead of failing (%s)', async (url) => {
    const warnings: Array<{ code?: string }> = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push({ code: w.code });
    process.on('warning', onWarning);
    try {
      const t = await fresh(url);
      expect((await migrateToLatest(t.db)).applied).toContain('0001_foundation');
      await new Promise((r) => setImmediate(r));
      expect(warnings).toContainEqual({ code: 'MB_TIMESCALE_NOT_PRELOADED' });
      expect(await hasTimescale(t.db)).toBe(false);
      await t.db.insertInto('readings').values({ meter_id: 1, channel: '1.8.0', ts: '2026-04-01T00:00:00Z', value: '1' }).execute();
      expect(await t.db.selectFrom('readings').select('value').execute()).toEqual([{ value: '1' }]);
      const monitor = createTimescaleJobsMonitor({ db: t.db, metrics: new Registry() });
      const checks = Object.fromEntries(await Promise.all(monitor.readiness.map(async (c) => [c.name, await c.check()])));
      expect(checks).toEqual({ timescaledb: 'ok: plain tables', timescaledb_jobs: 'ok: TimescaleDB not in use' });
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe.skipIf(lostPreload.length === 0)('migrations where TimescaleDB is created in the database but no longer preloaded', () => {
  // Every DDL there ends the session (the extension's event triggers need the library), so no test
  // schema can be made or dropped: this connects to the database's default schema and changes nothing.
  it.each(lostPreload)('refuses with a clear reason before changing anything, and the connection survives (%s)', async (url) => {
    const handle = await connectDatabase({ databaseUrl: url, poolMax: 1 });
    try {
      await expect(migrateToLatest(handle.db)).rejects.toThrow(TimescaleNotPreloadedError);
      await expect(migrateToLatest(handle.db)).rejects.toThrow(/not in shared_preload_libraries.*nothing was changed/);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_class where relname = 'kysely_migration'`.execute(handle.db);
      expect(rows).toEqual([{ n: 0 }]);
      expect(await hasTimescale(handle.db)).toBe(false);
      const registry = new Registry();
      const monitor = createTimescaleJobsMonitor({ db: handle.db, metrics: registry });
      expect(await monitor.readiness.find((c) => c.name === 'timescaledb_jobs')?.check()).toBe('ok: TimescaleDB not in use');
      // Reading the job views there could end the session: nothing is read, no series.
      expect(await registry.metrics()).not.toContain('meterbill_timescaledb_job_runs{');
      expect(await hasTimescale(handle.db)).toBe(false);
    } finally {
      await handle.close();
    }
  });
});

const APP_ROLE = 'meterbill_test_app';

/** The server URL with another user name (trust authentication on the test servers). */
function urlAs(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = '';
  return u.toString();
}

describe.skipIf(!serverUrl)('an application role that is not a superuser', () => {
  it('migrates (it may not read shared_preload_libraries), with hypertables where TimescaleDB is preloaded', async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query(`do $$ begin
          if not exists (select 1 from pg_roles where rolname = '${APP_ROLE}') then create role ${APP_ROLE} login nosuperuser; end if;
        exception when unique_violation or duplicate_object then null; end $$`);
      await admin.query(`grant create on database "${(await admin.query<{ d: string }>('select current_database() as d')).rows[0]?.d}" to ${APP_ROLE}`);
    } finally {
      await admin.end();
    }
    const t = await fresh(urlAs(serverUrl as string, APP_ROLE));
    const { rows } = await sql<{ su: boolean }>`select rolsuper as su from pg_roles where rolname = current_user`.execute(t.db);
    expect(rows).toEqual([{ su: false }]);
    expect((await migrateToLatest(t.db)).applied).toContain('0001_foundation');
    expect(await hasTimescale(t.db)).toBe(usable);
    if (usable) {
      expect(await hypertables(t)).toEqual(['dead_letters', 'events', 'readings']);
      expect((await listTimescaleJobs(t.db)).filter((j) => j.hypertable !== null)).toHaveLength(3);
    }
    await t.db.insertInto('readings').values({ meter_id: 1, channel: '1.8.0', ts: '2026-04-01T00:00:00Z', value: '2' }).execute();
  });
});
