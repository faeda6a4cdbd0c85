/**
 * TimescaleDB on a real server. Runs when TEST_DATABASE_URL has TimescaleDB preloaded, and (the
 * fallback case) when TEST_TIMESCALE_NOT_PRELOADED_URL names a server where the extension is
 * installed but not in shared_preload_libraries. README, "Tests", shows both commands.
 */
import pg from 'pg';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTimescale } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createTimescaleJobsMonitor, listTimescaleJobs } from '../../src/db/timescale-jobs.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/test-db.js';

const notPreloadedUrl = process.env.TEST_TIMESCALE_NOT_PRELOADED_URL || undefined;

async function timescalePreloaded(url: string | undefined): Promise<boolean> {
  if (!url) return false;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ on: boolean }>(`select current_setting('shared_preload_libraries') like '%timescaledb%' as on`);
    return rows[0]?.on ?? false;
  } finally {
    await c.end();
  }
}

const usable = await timescalePreloaded(serverUrl);
const opened: TestDatabase[] = [];
afterAll(async () => {
  for (const t of opened) await t.close();
});

async function fresh(url: string): Promise<TestDatabase> {
  const t = await createTestDatabase({ migrate: false, url });
  opened.push(t);
  return t;
}

async function extensionSchema(t: TestDatabase): Promise<string[]> {
  const { rows } = await sql<{ ns: string }>`
    select extnamespace::regnamespace::text as ns from pg_extension where extname = 'timescaledb'`.execute(t.db);
  return rows.map((r) => r.ns);
}

describe.skipIf(!usable)('migrations on a server with TimescaleDB preloaded', () => {
  it('creates the extension once in public; parallel schemas migrate, and dropping one keeps it', async () => {
    const [a, b] = await Promise.all([fresh(serverUrl as string), fresh(serverUrl as string)]);
    await Promise.all([migrateToLatest(a.db), migrateToLatest(b.db)]);
    expect(await extensionSchema(a)).toEqual(['public']);
    expect(await hasTimescale(a.db)).toBe(true);
    for (const t of [a, b]) {
      const { rows } = await sql<{ hypertable_name: string }>`
        select hypertable_name from timescaledb_information.hypertables where hypertable_schema = ${t.schema} order by 1`.execute(t.db);
      expect(rows.map((r) => r.hypertable_name)).toEqual(['dead_letters', 'events', 'readings']);
    }
    await a.close();
    opened.splice(opened.indexOf(a), 1);
    expect(await extensionSchema(b)).toEqual(['public']);
    await b.db.insertInto('readings').values({ meter_id: 1, channel: '1.8.0', ts: '2026-04-01T00:00:00Z', value: '10.5' }).execute();
    const c = await fresh(serverUrl as string);
    expect((await migrateToLatest(c.db)).applied).toContain('0001_foundation');
  });

  it('lists the compression and retention policies of this schema', async () => {
    const t = await fresh(serverUrl as string);
    await migrateToLatest(t.db);
    const jobs = (await listTimescaleJobs(t.db)).filter((j) => j.hypertable !== null);
    expect(jobs.map((j) => [j.procName, j.hypertable])).toEqual([
      ['policy_compression', 'readings'],
      ['policy_compression', 'events'],
      ['policy_retention', 'dead_letters'],
    ]);
  });

  it('reports a failing job on /metrics and in the readiness note, without failing readiness', async () => {
    const t = await fresh(serverUrl as string);
    await migrateToLatest(t.db);
    await sql`create procedure always_fails(job_id int, config jsonb) language plpgsql as $$ begin raise exception 'boom'; end $$`.execute(t.db);
    const { rows } = await sql<{ id: number }>`select add_job('always_fails', interval '1 hour', initial_start => now()) as id`.execute(t.db);
    const id = rows[0]?.id as number;
    try {
      let failed = false;
      for (let i = 0; i < 60 && !failed; i++) {
        failed = (await listTimescaleJobs(t.db)).some((j) => j.jobId === id && j.lastRunStatus === 'Failed');
        if (!failed) await new Promise((r) => setTimeout(r, 500));
      }
      expect(failed).toBe(true);
      const registry = new Registry();
      const monitor = createTimescaleJobsMonitor({ db: t.db, metrics: registry });
      const text = await registry.metrics();
      expect(text).toContain(`meterbill_timescaledb_job_last_run_success{job_id="${id}",proc_name="always_fails",hypertable=""} 0`);
      expect(text).toContain(`meterbill_timescaledb_job_failures{job_id="${id}",proc_name="always_fails",hypertable=""} 1`);
      expect(await monitor.readiness.check()).toContain(`always_fails #${id}: 1 of 1 runs failed`);
    } finally {
      await sql`select delete_job(${id})`.execute(t.db);
    }
  });
});

describe.skipIf(!notPreloadedUrl)('migrations on a server with TimescaleDB installed but not preloaded', () => {
  it('falls back to plain tables with a warning instead of failing', async () => {
    const warnings: Array<{ code?: string }> = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push({ code: w.code });
    process.on('warning', onWarning);
    try {
      const t = await fresh(notPreloadedUrl as string);
      expect((await migrateToLatest(t.db)).applied).toContain('0001_foundation');
      await new Promise((r) => setImmediate(r));
      expect(warnings).toContainEqual({ code: 'MB_TIMESCALE_NOT_PRELOADED' });
      expect(await hasTimescale(t.db)).toBe(false);
      await t.db.insertInto('readings').values({ meter_id: 1, channel: '1.8.0', ts: '2026-04-01T00:00:00Z', value: '1' }).execute();
      expect(await t.db.selectFrom('readings').select('value').execute()).toEqual([{ value: '1' }]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
