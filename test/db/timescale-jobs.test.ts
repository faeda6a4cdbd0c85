import { describe, expect, it } from 'vitest';
import { describeJobs, type TimescaleJob } from '../../src/db/timescale-jobs.js';

const job = (over: Partial<TimescaleJob>): TimescaleJob => ({
  jobId: 1000,
  procName: 'policy_compression',
  hypertable: 'readings',
  lastRunStatus: 'Success',
  totalRuns: 4,
  totalFailures: 0,
  lastSuccessAt: new Date('2026-04-01T00:00:00Z'),
  ...over,
});

describe('describeJobs (the /readyz line)', () => {
  it('says none are failing when every last run succeeded or none ran yet', () => {
    expect(describeJobs([job({}), job({ jobId: 3, procName: 'policy_job_stat_history_retention', hypertable: null, lastRunStatus: null })])).toBe(
      'ok: 2 jobs, none failing',
    );
  });

  it('names each job whose last run failed, with its failure count', () => {
    const jobs = [
      job({ lastRunStatus: 'Failed', totalRuns: 12, totalFailures: 12, lastSuccessAt: null }),
      job({ jobId: 1001, hypertable: 'events' }),
      job({ jobId: 1002, procName: 'policy_retention', hypertable: 'dead_letters', lastRunStatus: 'Failed', totalRuns: 3, totalFailures: 2 }),
    ];
    expect(describeJobs(jobs)).toBe(
      'ok: 3 jobs, 2 failing their last run — policy_compression #1000 (readings): 12 of 12 runs failed; ' +
        'policy_retention #1002 (dead_letters): 2 of 3 runs failed',
    );
  });
});
