/**
 * TimescaleDB background jobs (compression, retention, its own housekeeping) as an operator sees
 * them: Prometheus gauges on /metrics and a line in /readyz. A failing job never makes the
 * instance unready — ingestion and billing work without compression — but it must not fail
 * silently either (on a server whose jobs fail on every run, chunks are never compressed and
 * dead letters never expire).
 *
 * Only jobs of this schema's hypertables and TimescaleDB's own jobs are reported, so schemas
 * sharing one database (tests) do not see each other's. No TimescaleDB → no series, no line.
 */
import { sql, type Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { ReadinessCheck } from '../api/health.routes.js';

export interface TimescaleJob {
  jobId: number;
  procName: string;
  hypertable: string | null;
  lastRunStatus: string | null;
  totalRuns: number;
  totalFailures: number;
  lastSuccessAt: Date | null;
}

interface JobRow {
  job_id: number;
  proc_name: string;
  hypertable_name: string | null;
  last_run_status: string | null;
  total_runs: number | null;
  total_failures: number | null;
  last_successful_finish: Date | string | null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function listTimescaleJobs(db: Kysely<any>): Promise<TimescaleJob[]> {
  const { rows: has } = await sql<{ on: boolean }>`select to_regclass('timescaledb_information.job_stats') is not null as on`.execute(db);
  if (!has[0]?.on) return [];
  const { rows } = await sql<JobRow>`
    select j.job_id, j.proc_name, j.hypertable_name, s.last_run_status,
      s.total_runs::int as total_runs, s.total_failures::int as total_failures, s.last_successful_finish
    from timescaledb_information.jobs j
    left join timescaledb_information.job_stats s on s.job_id = j.job_id
    where j.hypertable_schema is null or j.hypertable_schema = current_schema()
    order by j.job_id`.execute(db);
  return rows.map((r) => ({
    jobId: r.job_id,
    procName: r.proc_name,
    hypertable: r.hypertable_name,
    lastRunStatus: r.last_run_status,
    totalRuns: r.total_runs ?? 0,
    totalFailures: r.total_failures ?? 0,
    // TimescaleDB reports "never" as -infinity.
    lastSuccessAt: r.last_successful_finish === null || !Number.isFinite(new Date(r.last_successful_finish).getTime()) ? null : new Date(r.last_successful_finish),
  }));
}

/** One line for /readyz: how many jobs, and which ones failed their last run. */
export function describeJobs(jobs: readonly TimescaleJob[]): string {
  const failing = jobs.filter((j) => j.lastRunStatus === 'Failed');
  if (failing.length === 0) return `ok: ${jobs.length} jobs, none failing`;
  const names = failing.map((j) => `${j.procName} #${j.jobId}${j.hypertable ? ` (${j.hypertable})` : ''}: ${j.totalFailures} of ${j.totalRuns} runs failed`);
  return `ok: ${jobs.length} jobs, ${failing.length} failing their last run — ${names.join('; ')}`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createTimescaleJobsMonitor(deps: { db: Kysely<any>; metrics: Registry }) {
  // prom-client collects every metric of a scrape in parallel: one look-up serves them all.
  let inflight: Promise<void> | undefined;
  const collect = async (): Promise<void> => {
    inflight ??= refresh().finally(() => (inflight = undefined));
    await inflight;
  };
  const labelNames = ['job_id', 'proc_name', 'hypertable'] as const;
  const common = { labelNames, registers: [deps.metrics], collect };
  const gauges = {
    lastRunSuccess: new Gauge({ name: 'meterbill_timescaledb_job_last_run_success', help: 'TimescaleDB job: 1 when its last run succeeded, 0 when it failed', ...common }),
    runs: new Gauge({ name: 'meterbill_timescaledb_job_runs', help: 'TimescaleDB job: runs counted by the server', ...common }),
    failures: new Gauge({ name: 'meterbill_timescaledb_job_failures', help: 'TimescaleDB job: failed runs', ...common }),
    lastSuccess: new Gauge({ name: 'meterbill_timescaledb_job_last_success_timestamp_seconds', help: 'TimescaleDB job: end of its last successful run (0: never)', ...common }),
  };

  /** Reloads the gauges; a failed look-up leaves them empty rather than failing the scrape. */
  async function refresh(): Promise<void> {
    const jobs = await listTimescaleJobs(deps.db).catch(() => []);
    for (const g of Object.values(gauges)) g.reset();
    for (const j of jobs) {
      const labels = { job_id: String(j.jobId), proc_name: j.procName, hypertable: j.hypertable ?? '' };
      if (j.lastRunStatus !== null) gauges.lastRunSuccess.set(labels, j.lastRunStatus === 'Success' ? 1 : 0);
      gauges.runs.set(labels, j.totalRuns);
      gauges.failures.set(labels, j.totalFailures);
      gauges.lastSuccess.set(labels, j.lastSuccessAt ? j.lastSuccessAt.getTime() / 1000 : 0);
    }
  }

  const readiness: ReadinessCheck = {
    name: 'timescaledb_jobs',
    // Informational: a failed job (or a failed look-up) is reported, never "down".
    check: async () => {
      try {
        const jobs = await listTimescaleJobs(deps.db);
        return jobs.length === 0 ? 'ok: no TimescaleDB jobs' : describeJobs(jobs);
      } catch (err) {
        return `ok: job status unavailable (${err instanceof Error ? err.message : String(err)})`;
      }
    },
  };

  return { readiness };
}
