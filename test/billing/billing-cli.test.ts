import { describe, expect, it } from 'vitest';
import { progressLine, summaryText } from '../../src/billing/billing-commands.js';
import type { RunProgress } from '../../src/billing/billing-service.js';

const progress = (done: number, total: number): RunProgress => ({
  run: { id: 7, cycleGroup: 'C1', period: '2026-10', dryRun: false, status: done === total ? 'completed' : 'running', startedBy: 'cli', startedAt: '', finishedAt: null },
  counts: { total, byStatus: { issued: done - 3, held: 2, failed: 1, pending: total - done }, amount: '123456.5', estimated: 4, failedByReason: { no_tariff: 1 } },
  done,
});

describe('bill run output', () => {
  it('shows done/total, the rate since the command started and the ETA', () => {
    // 600 of 1000 done, 100 were done before this command: 500 in 2 s = 250/s; 400 left -> 2 s
    expect(progressLine(progress(600, 1000), 0, 2000, 100)).toBe(`[${'#'.repeat(18)}${'.'.repeat(12)}] 600/1000  250 bills/s  ETA 2 s`);
    expect(progressLine(progress(0, 1000), 0, 1000, 0)).toMatch(/0\/1000 {2}0 bills\/s {2}ETA -$/);
  });

  it('summarises by outcome, amount and failure reason', () => {
    expect(summaryText(progress(1000, 1000))).toBe([
      'run #7 C1 2026-10: completed',
      '  accounts 1000: issued 997, held 2, failed 1; estimated 4',
      '  amount 123456.5',
      '  failed: no_tariff 1',
    ].join('\n'));
  });
});
