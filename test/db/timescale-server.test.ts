/**
 * TimescaleDB on a real server (README, "Checking TimescaleDB on a real server"): with
 * TEST_DATABASE_URL preloading TimescaleDB, hypertables, the extension created once, parallel
 * schemas, and the job status on /metrics and /readyz against the server's own views. Skipped
 * elsewhere (CI has no TimescaleDB); the other states are in timescale-fallback.test.ts.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTimescale } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createTimescaleJobsMonitor, listTimescaleJobs, type TimescaleJob } from '../../src/db/timescale-jobs.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/test-db.js';
import { createTestApp } from '../helpers/test-app.js';
import { createReadingsQueries } from '../../src/readings/readings-queries.js';
import { systemClock } from '../../src/lib/clock.js';
import type { Database } from '../../src/db/schema.js';
import { serverState } from '../helpers/timescale-server.js';

const usable = (await serverState(serverUrl)).preloaded;

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

async function hypertables(t: TestDatabase): Promise<string[]> {
  const { rows } = await sql<{ hypertable_name: string }>`
    select hypertable_name from timescaledb_information.hypertables where hypertable_schema = ${t.schema} order by 1`.execute(t.db);
  return rows.map((r) => r.hypertable_name);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function policyJob(db: Kysely<any>, proc: string, table: string): Promise<number> {
  const { rows } = await sql<{ id: number }>`
    select job_id as id from timescaledb_information.jobs
    where proc_name = ${proc} and hypertable_schema = current_schema() and hypertable_name = ${table}`.execute(db);
  expect(rows).toHaveLength(1);
  return rows[0]?.id as number;
}

async function until(what: string, ok: () => Promise<boolean>, tries = 120): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!usable)('migrations on a server with TimescaleDB preloaded', () => {
  it('creates the extension once in public; parallel schemas migrate, and dropping one keeps it', async () => {
    const [a, b] = await Promise.all([fresh(serverUrl as string), fresh(serverUrl as string)]);
    await Promise.all([migrateToLatest(a.db), migrateToLatest(b.db)]);
    expect(await extensionSchema(a)).toEqual(['public']);
    expect(await hasTimescale(a.db)).toBe(true);
    for (const t of [a, b]) expect(await hypertables(t)).toEqual(['dead_letters', 'events', 'readings']);
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
    expect(jobs.map((j) => [j.procName, j.hypertable, j.scheduled, j.overdueChunks])).toEqual([
      ['policy_compression', 'readings', true, 0],
      ['policy_compression', 'events', true, 0],
      ['policy_retention', 'dead_letters', true, 0],
    ]);
  });

  it('reports a failing job on /metrics and in the readiness note, without failing readiness', async () => {
    const t = await fresh(serverUrl as string);
    await migrateToLatest(t.db);
    await sql`create procedure always_fails(job_id int, config jsonb) language plpgsql as $$ begin raise exception 'boom'; end $$`.execute(t.db);
    const { rows } = await sql<{ id: number }>`select add_job('always_fails', interval '1 hour', initial_start => now()) as id`.execute(t.db);
    const id = rows[0]?.id as number;
    try {
      await until('the job to fail', async () => (await listTimescaleJobs(t.db)).some((j) => j.jobId === id && j.lastRunStatus === 'Failed'));
      const registry = new Registry();
      const monitor = createTimescaleJobsMonitor({ db: t.db, metrics: registry });
      const text = await registry.metrics();
      expect(text).toContain(`meterbill_timescaledb_job_last_run_success{job_id="${id}",proc_name="always_fails",hypertable=""} 0`);
      expect(text).toContain(`meterbill_timescaledb_job_failures{job_id="${id}",proc_name="always_fails",hypertable=""} 1`);
      const note = await monitor.readiness.find((c) => c.name === 'timescaledb_jobs')?.check();
      // P0001: raise_exception, what `raise exception` signals.
      expect(note).toContain(`always_fails #${id}: 1 of 1 runs failed, last SQLSTATE P0001`);
    } finally {
      await sql`select delete_job(${id})`.execute(t.db);
    }
  });

  it('shows on /metrics and /readyz the status the server records for this schema’s policies', async () => {
    const t = await createTestApp();
    try {
      const id = await policyJob(t.testDb.db, 'policy_compression', 'readings');
      // A new policy runs at once; its outcome is whatever this server makes of it.
      const stats = async () =>
        (
          await sql<{ last_run_status: string | null; total_runs: number; total_failures: number }>`
            select last_run_status, total_runs::int as total_runs, total_failures::int as total_failures
            from timescaledb_information.job_stats where job_id = ${id}`.execute(t.testDb.db)
        ).rows[0];
      await until('the first run of the compression policy', async () => ((await stats())?.total_runs ?? 0) >= 1);
      const s = await stats();
      const labels = `{job_id="${id}",proc_name="policy_compression",hypertable="readings"}`;
      const text = (await t.app.inject({ url: '/metrics', headers: t.as('read') })).body;
      const runs = Number(new RegExp(`meterbill_timescaledb_job_runs${escape(labels)} (\\d+)`).exec(text)?.[1]);
      const failures = Number(new RegExp(`meterbill_timescaledb_job_failures${escape(labels)} (\\d+)`).exec(text)?.[1]);
      // The job may run again between the two reads; it never un-runs.
      expect(runs).toBeGreaterThanOrEqual(s?.total_runs as number);
      expect(failures).toBeGreaterThanOrEqual(s?.total_failures as number);
      expect(text).toContain(`meterbill_timescaledb_job_last_run_success${labels} ${(await stats())?.last_run_status === 'Success' ? 1 : 0}`);
      // A live scheduler: the job is not late (it ran, and its next start is ahead).
      expect(Number(new RegExp(`meterbill_timescaledb_job_late_seconds${escape(labels)} ([\\d.e+-]+)`).exec(text)?.[1])).toBeLessThan(300);
      const ready = await t.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks.timescaledb).toBe('ok: 3 hypertables');
      expect(ready.json().checks.timescaledb_jobs).toMatch(/^ok: \d+ jobs, /);
    } finally {
      await t.close();
    }
  });

  it('counts hypertable rows for /ingest/stats with the extension off the search_path', async () => {
    const t = await fresh(serverUrl as string);
    await migrateToLatest(t.db);
    await sql`insert into readings (meter_id, channel, ts, value) select 1, '1.8.0', now() - i * interval '1 hour', i from generate_series(1, 30) i`.execute(t.db);
    await sql`analyze readings`.execute(t.db);
    const pool = new pg.Pool({ connectionString: serverUrl, max: 1, options: `-c search_path=${t.schema}` });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      const { rows } = await sql<{ p: string }>`select current_setting('search_path') as p`.execute(db);
      expect(rows).toEqual([{ p: t.schema }]);
      const counts = await createReadingsQueries({ db, timezone: 'Asia/Kolkata', clock: systemClock }).tableCounts();
      expect(counts).toEqual({ readings: 30, events: 0, dead_letters: 0 });
    } finally {
      await db.destroy();
    }
  });

  it('counts chunks a paused policy left behind, and none once it has run', async () => {
    const t = await fresh(serverUrl as string);
    await migrateToLatest(t.db);
    const compress = await policyJob(t.db, 'policy_compression', 'readings');
    const retain = await policyJob(t.db, 'policy_retention', 'dead_letters');
    for (const id of [compress, retain]) await sql`select alter_job(${id}, scheduled => false)`.execute(t.db);
    // Two days' readings 20 and 19 days ago (two 1-day chunks past the 7-day threshold), one today;
    // a dead letter 100 days old (past the 90-day retention).
    await sql`insert into readings (meter_id, channel, ts, value) values
      (1, '1.8.0', now() - interval '20 days', 1.5), (1, '1.8.0', now() - interval '19 days', 2.5), (1, '1.8.0', now(), 3.5)`.execute(t.db);
    await sql`insert into dead_letters (received_at, topic, payload, reason) values (now() - interval '100 days', 't', '\\x00', 'invalid_json')`.execute(t.db);
    const byId = async () => new Map((await listTimescaleJobs(t.db)).map((j): [number, TimescaleJob] => [j.jobId, j]));
    let jobs = await byId();
    expect([jobs.get(compress)?.overdueChunks, jobs.get(compress)?.scheduled]).toEqual([2, false]);
    expect(jobs.get(retain)?.overdueChunks).toBe(1);
    const registry = new Registry();
    const monitor = createTimescaleJobsMonitor({ db: t.db, metrics: registry });
    const text = await registry.metrics();
    expect(text).toContain(`meterbill_timescaledb_job_overdue_chunks{job_id="${compress}",proc_name="policy_compression",hypertable="readings"} 2`);
    expect(text).toContain(`meterbill_timescaledb_job_scheduled{job_id="${compress}",proc_name="policy_compression",hypertable="readings"} 0`);
    const note = await monitor.readiness.find((c) => c.name === 'timescaledb_jobs')?.check();
    expect(note).toContain(`overdue chunks: policy_compression #${compress} (readings) 2; policy_retention #${retain} (dead_letters) 1`);
    for (const id of [compress, retain]) await sql.raw(`call run_job(${id})`).execute(t.db);
    jobs = await byId();
    expect([jobs.get(compress)?.overdueChunks, jobs.get(retain)?.overdueChunks]).toEqual([0, 0]);
    const { rows } = await sql<{ value: string }>`select value::text from readings order by ts`.execute(t.db);
    expect(rows.map((r) => r.value)).toEqual(['1.5', '2.5', '3.5']);
    expect((await t.db.selectFrom('dead_letters').select('id').execute()).length).toBe(0);
  });
});

function escape(s: string): string {
  return s.replace(/[{}"=,]/g, (c) => `\\${c}`);
}
