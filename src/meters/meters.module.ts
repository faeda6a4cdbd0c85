/** The meters module: meters and installations (`/meters`, `/consumers/{accountNo}/meter…`). */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import type { AppModule } from '../lib/module.js';
import { createMetersService, type MetersService } from './meters-service.js';
import { metersRoutes } from './meters.routes.js';

export interface MetersModuleDeps {
  db: Kysely<Database>;
  clock: Clock;
  timezone: string;
  /**
   * Told of every installation change after it commits: this instance's ingest consumer drops
   * what it cached of those meters (other instances hear it by LISTEN/NOTIFY on PostgreSQL).
   */
  invalidateMeters?: ((serials: string[]) => void) | undefined;
}

export interface MetersModule extends AppModule {
  service: MetersService;
}

export function createMetersModule(deps: MetersModuleDeps): MetersModule {
  const service = createMetersService({
    db: deps.db,
    clock: deps.clock,
    timezone: deps.timezone,
    onInstallationChange: (serials) => deps.invalidateMeters?.(serials),
  });
  return { name: 'meters', routes: [metersRoutes({ meters: service })], service };
}
