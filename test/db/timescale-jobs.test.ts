import { describe, expect, it } from 'vitest';
import { describeJobs, type TimescaleJob } from '../../src/db/timescale-jobs.js';
import { timescaleReadiness } from '../../src/db/timescale.js';

const job = (over: Partial<TimescaleJob>): TimescaleJob => ({
  jobId: 1000,
  procName: 'policy_compression',
  hypertable: 'readings',
  scheduled: true,
  lastRunStatus: 'Success',
  totalRuns: 4,
  totalFailures: 0,
  lastSuccessAt: new Date('2026-04-01T00:00:00Z'),
  lastErrorCode: null,
  overdueChunks: 0,
  lateSeconds: 0,
  ...over,
});

describe('describeJobs (the /readyz line)', () => {
  it('says none are failing when every last run succeeded or none ran yet', () => {
    const own = job({ jobId: 3, procName: 'policy_job_stat_history_retention', hypertable: null, lastRunStatus: null, overdueChunks: null });
    expect(describeJobs([job({}), own])).toBe('ok: 2 jobs, none failing their last run');
  });

  it('names each job whose last run failed, with its failure count and last SQLSTATE', () => {
    const jobs = [
      job({ lastRunStatus: 'Failed', totalRuns: 12, totalFailures: 12, lastSuccessAt: null, lastErrorCode: '24000' }),
      job({ jobId: 1001, hypertable: 'events' }),
      job({ jobId: 1002, procName: 'policy_retention', hypertable: 'dead_letters', lastRunStatus: 'Failed', totalRuns: 3, totalFailures: 2 }),
    ];
    expect(describeJobs(jobs)).toBe(
      'ok: 3 jobs, 2 failing their last run — policy_compression #1000 (readings): 12 of 12 runs failed, last SQLSTATE 24000; ' +
        'policy_retention #1002 (dead_letters): 2 of 3 runs failed',
    );
  });

  it('names overdue chunks and paused jobs even when every run "succeeded"', () => {
    const jobs = [job({ overdueChunks: 5 }), job({ jobId: 1002, procName: 'policy_retention', hypertable: 'dead_letters', scheduled: false, overdueChunks: 0 })];
    expect(describeJobs(jobs)).toBe(
      'ok: 2 jobs, none failing their last run; overdue chunks: policy_compression #1000 (readings) 5; paused: policy_retention #1002 (dead_letters)',
    );
  });
});

describe('describeJobs: late jobs', () => {
  it('names jobs more than 5 minutes past their start, not those a little late or unscheduled', () => {
    const jobs = [
      job({ lateSeconds: 301.4 }),
      job({ jobId: 1001, hypertable: 'events', lateSeconds: 300 }),
      job({ jobId: 3, procName: 'policy_job_stat_history_retention', hypertable: null, lateSeconds: null }),
    ];
    expect(describeJobs(jobs)).toBe(
      "ok: 3 jobs, none failing their last run; late: policy_compression #1000 (readings) 301 s (is the database's TimescaleDB scheduler running, with free worker processes?)",
    );
  });
});

describe('timescaleReadiness (the /readyz timescaledb line)', () => {
  it('is down when this schema has hypertables but the library is not preloaded (every write fails)', () => {
    expect(() => timescaleReadiness({ preloaded: false, schema: 'public', hypertables: 3 })).toThrow(/3 hypertables.*not in shared_preload_libraries/);
  });

  it('reports hypertables, or plain tables, otherwise', () => {
    expect(timescaleReadiness({ preloaded: true, schema: 'public', hypertables: 3 })).toBe('ok: 3 hypertables');
    expect(timescaleReadiness({ preloaded: true, schema: 'public', hypertables: 0 })).toBe('ok: TimescaleDB loaded, plain tables in this schema');
    expect(timescaleReadiness({ preloaded: false, schema: 'public', hypertables: 0 })).toBe(
      'ok: plain tables; TimescaleDB is created here but not preloaded, so migrations fail',
    );
    expect(timescaleReadiness({ preloaded: false, schema: undefined, hypertables: 0 })).toBe('ok: plain tables');
  });
});
