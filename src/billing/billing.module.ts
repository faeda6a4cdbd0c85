/**
 * The billing module: cycle groups, runs and bills (`/billing/...`, `/bills`), and this
 * instance's billing workers for runs started through the API. Stopping it stops the workers
 * between batches; what they had not claimed stays pending for the next start or instance.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../config/config-schema.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { AppModule } from '../lib/module.js';
import type { TariffService } from '../tariffs/tariff-service.js';
import { createBillingService, type BillingService } from './billing-service.js';
import { billingRoutes } from './billing.routes.js';

export interface BillingModuleDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  tariffs: Pick<TariffService, 'get' | 'quoteParsed'>;
  config: Pick<Config, 'TIMEZONE' | 'BILLING_NORMS' | 'BILLING_LEASE_MS' | 'BILLING_WORKERS' | 'BILLING_BATCH_SIZE'>;
}

export interface BillingModule extends AppModule {
  service: BillingService;
}

export function createBillingModule({ db, clock, log, tariffs, config }: BillingModuleDeps): BillingModule {
  const service = createBillingService({
    db, clock, log: log.child({ module: 'billing' }), tariffs, timezone: config.TIMEZONE, norms: config.BILLING_NORMS, leaseMs: config.BILLING_LEASE_MS,
  });
  const startWork = (runId: number) => service.startWork(runId, { workers: config.BILLING_WORKERS, batchSize: config.BILLING_BATCH_SIZE });
  return { name: 'billing', routes: [billingRoutes({ billing: service, startWork })], stop: () => service.stop(), service };
}
