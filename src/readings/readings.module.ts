/**
 * The readings module: the meter readings and events routes, over the reading queries that
 * ingestion's REST face (and, later, billing and anomaly detection) share.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import type { AppModule } from '../lib/module.js';
import { createReadingsQueries, type ReadingsQueries } from './readings-queries.js';
import { readingsRoutes } from './readings.routes.js';

export interface ReadingsModule extends AppModule {
  queries: ReadingsQueries;
}

export function createReadingsModule(deps: { db: Kysely<Database>; timezone: string; clock: Clock }): ReadingsModule {
  const queries = createReadingsQueries(deps);
  return { name: 'readings', routes: [readingsRoutes({ queries })], queries };
}
