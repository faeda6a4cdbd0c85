/** The TimescaleDB job monitor as a module: its gauges on /metrics and its line in /readyz. */
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { AppModule } from '../lib/module.js';
import type { Logger } from '../lib/logger.js';
import { createTimescaleJobsMonitor } from './timescale-jobs.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createTimescaleJobsModule(deps: { db: Kysely<any>; metrics: Registry; log?: Pick<Logger, 'warn'> }): AppModule {
  const monitor = createTimescaleJobsMonitor(deps);
  return { name: 'timescale-jobs', readiness: monitor.readiness };
}
