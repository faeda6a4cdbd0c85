/**
 * TimescaleDB background jobs (compression, retention, its own housekeeping) as an operator sees
 * them: Prometheus gauges on /metrics and lines in /readyz. A failing job never makes the
 * instance unready — ingestion and billing work without compression — but it must not fail
 * silently either (on a server whose jobs fail on every run, chunks may never be compressed and
 * dead letters never expire).
 *
 * A job's recorded status and its effect can disagree: on PostgreSQL 15.20 with TimescaleDB
 * 2.21.4 every job is recorded as failed (SQLSTATE 24000, `cannot drop portal "" while it is
 * being set up`) *after* its work committed (README, "TimescaleDB"). So besides the status,
 * each compression and retention policy reports its overdue chunks: chunks past the policy's
 * `compress_after` still uncompressed, or past `drop_after` still present — the real state —
 * and every scheduled job how late it is (a database whose scheduler died runs no job at all, and
 * its recorded statuses just stop changing).
 *
 * Only jobs of this schema's hypertables and TimescaleDB's own jobs are reported, so schemas
 * sharing one database (tests) do not see each other's. No usable TimescaleDB → no series; the
 * views are not even read then (on a server that lost its preload some of them end the session).
 */
import { sql, type Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { ReadinessCheck } from '../api/health.routes.js';
import type { Logger } from '../lib/logger.js';
import { timescaleReadiness, timescaleState } from './timescale.js';

export interface TimescaleJob {
  jobId: number;
  procName: string;
  hypertable: string | null;
  scheduled: boolean;
  lastRunStatus: string | null;
  totalRuns: number;
  totalFailures: number;
  lastSuccessAt: Date | null;
  /** SQLSTATE of the last failed run, when the last run failed. */
  lastErrorCode: string | null;
  /** Compression/retention policies: chunks the policy should have handled by now; else null. */
  overdueChunks: number | null;
  /** Seconds since a scheduled job should have started (0: on time; null: not scheduled or running). */
  lateSeconds: number | null;
}

interface JobRow {
  job_id: number;
  proc_name: string;
  hypertable_name: string | null;
  scheduled: boolean;
  last_run_status: string | null;
  total_runs: number | null;
  total_failures: number | null;
  last_successful_finish: Date | string | null;
  last_error_code: string | null;
  overdue_chunks: number | null;
  late_seconds: number | null;
}

/** This schema's jobs and TimescaleDB's own. Call only where TimescaleDB is usable. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function listTimescaleJobs(db: Kysely<any>): Promise<TimescaleJob[]> {
  // The policy's threshold: an interval on time-partitioned tables (an integer on integer ones,
  // which have no overdue count here). The chunk count runs only when the threshold is known.
  const { rows } = await sql<JobRow>`
    select j.job_id, j.proc_name, j.hypertable_name, j.scheduled, s.last_run_status,
      s.total_runs::int as total_runs, s.total_failures::int as total_failures, s.last_successful_finish,
      e.sqlerrcode as last_error_code,
      case when p.after is null then null else (
        select count(*)::int from timescaledb_information.chunks c
        where c.hypertable_schema = j.hypertable_schema and c.hypertable_name = j.hypertable_name
          and c.range_end < now() - p.after
          and (j.proc_name = 'policy_retention' or not c.is_compressed)) end as overdue_chunks,
      case when j.scheduled and isfinite(s.next_start)
        then greatest(0, extract(epoch from now() - s.next_start))::float8 end as late_seconds
    from timescaledb_information.jobs j
    left join timescaledb_information.job_stats s on s.job_id = j.job_id
    left join lateral (
      select case when j.proc_name in ('policy_compression', 'policy_retention')
          and jsonb_typeof(coalesce(j.config -> 'compress_after', j.config -> 'drop_after')) = 'string'
        then (coalesce(j.config ->> 'compress_after', j.config ->> 'drop_after'))::interval end as after) p on true
    left join lateral (
      select h.sqlerrcode from timescaledb_information.job_history h
      where h.job_id = j.job_id and not h.succeeded order by h.id desc limit 1) e on s.last_run_status = 'Failed'
    where j.hypertable_schema is null or j.hypertable_schema = current_schema()
    order by j.job_id`.execute(db);
  return rows.map((r) => ({
    jobId: r.job_id,
    procName: r.proc_name,
    hypertable: r.hypertable_name,
    scheduled: r.scheduled,
    lastRunStatus: r.last_run_status,
    totalRuns: r.total_runs ?? 0,
    totalFailures: r.total_failures ?? 0,
    // TimescaleDB reports "never" as -infinity.
    lastSuccessAt: r.last_successful_finish === null || !Number.isFinite(new Date(r.last_successful_finish).getTime()) ? null : new Date(r.last_successful_finish),
    lastErrorCode: r.last_error_code,
    overdueChunks: r.overdue_chunks,
    lateSeconds: r.late_seconds,
  }));
}

/**
 * A job this late did not start: the database's scheduler is gone (it is not restarted after an
 * error when timescaledb.bgw_scheduler_restart_time is -1, the default — seen here after a
 * deadlock) or no worker process was free (max_worker_processes).
 */
const LATE_NOTE_SECONDS = 300;

/** One line for /readyz: how many jobs, which ones failed their last run, what is overdue. */
export function describeJobs(jobs: readonly TimescaleJob[]): string {
  const failing = jobs.filter((j) => j.lastRunStatus === 'Failed');
  const overdue = jobs.filter((j) => (j.overdueChunks ?? 0) > 0);
  const paused = jobs.filter((j) => !j.scheduled);
  const late = jobs.filter((j) => (j.lateSeconds ?? 0) > LATE_NOTE_SECONDS);
  const label = (j: TimescaleJob) => `${j.procName} #${j.jobId}${j.hypertable ? ` (${j.hypertable})` : ''}`;
  const parts = [`ok: ${jobs.length} jobs, ${failing.length === 0 ? 'none' : failing.length} failing their last run`];
  if (failing.length > 0) {
    const names = failing.map((j) => `${label(j)}: ${j.totalFailures} of ${j.totalRuns} runs failed${j.lastErrorCode ? `, last SQLSTATE ${j.lastErrorCode}` : ''}`);
    parts[0] += ` — ${names.join('; ')}`;
  }
  if (overdue.length > 0) parts.push(`overdue chunks: ${overdue.map((j) => `${label(j)} ${j.overdueChunks}`).join('; ')}`);
  if (paused.length > 0) parts.push(`paused: ${paused.map(label).join('; ')}`);
  if (late.length > 0) {
    parts.push(`late: ${late.map((j) => `${label(j)} ${Math.round(j.lateSeconds ?? 0)} s`).join('; ')} (is the database's TimescaleDB scheduler running, with free worker processes?)`);
  }
  return parts.join('; ');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createTimescaleJobsMonitor(deps: { db: Kysely<any>; metrics: Registry; log?: Pick<Logger, 'warn'> }) {
  const jobsIfUsable = async (): Promise<TimescaleJob[] | undefined> => {
    const state = await timescaleState(deps.db);
    return state.preloaded && state.schema !== undefined ? listTimescaleJobs(deps.db) : undefined;
  };
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
    scheduled: new Gauge({ name: 'meterbill_timescaledb_job_scheduled', help: 'TimescaleDB job: 1 when scheduled, 0 when paused', ...common }),
    late: new Gauge({ name: 'meterbill_timescaledb_job_late_seconds', help: 'TimescaleDB job: seconds past its next start without starting (grows when no scheduler runs it)', ...common }),
    overdue: new Gauge({
      name: 'meterbill_timescaledb_job_overdue_chunks',
      help: 'TimescaleDB compression/retention policy: chunks past its threshold still uncompressed (compression) or present (retention)',
      ...common,
    }),
  };

  /** Reloads the gauges; a failed look-up leaves them empty rather than failing the scrape. */
  async function refresh(): Promise<void> {
    const jobs = await jobsIfUsable().catch((err: unknown) => {
      deps.log?.warn({ err }, 'TimescaleDB job status unavailable');
      return undefined;
    });
    for (const g of Object.values(gauges)) g.reset();
    for (const j of jobs ?? []) {
      const labels = { job_id: String(j.jobId), proc_name: j.procName, hypertable: j.hypertable ?? '' };
      if (j.lastRunStatus !== null) gauges.lastRunSuccess.set(labels, j.lastRunStatus === 'Success' ? 1 : 0);
      gauges.runs.set(labels, j.totalRuns);
      gauges.failures.set(labels, j.totalFailures);
      gauges.lastSuccess.set(labels, j.lastSuccessAt ? j.lastSuccessAt.getTime() / 1000 : 0);
      gauges.scheduled.set(labels, j.scheduled ? 1 : 0);
      if (j.overdueChunks !== null) gauges.overdue.set(labels, j.overdueChunks);
      if (j.lateSeconds !== null) gauges.late.set(labels, j.lateSeconds);
    }
  }

  const readiness: ReadinessCheck[] = [
    // Hypertables without the preloaded library: "down" (nothing can be written).
    { name: 'timescaledb', check: async () => timescaleReadiness(await timescaleState(deps.db)) },
    {
      name: 'timescaledb_jobs',
      // Informational: a failed job (or a failed look-up) is reported, never "down". /readyz is
      // public: the look-up's error goes to the log, not into the answer.
      check: async () => {
        try {
          const jobs = await jobsIfUsable();
          if (jobs === undefined) return 'ok: TimescaleDB not in use';
          return jobs.length === 0 ? 'ok: no TimescaleDB jobs' : describeJobs(jobs);
        } catch (err) {
          deps.log?.warn({ err }, 'TimescaleDB job status unavailable');
          return 'ok: job status unavailable (see the log)';
        }
      },
    },
  ];

  return { readiness };
}
