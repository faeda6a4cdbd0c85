/**
 * The composition root: builds every service from configuration, once. Nothing else in the code
 * constructs a dependency; tests build the pieces they need with fakes instead.
 */
import path from 'node:path';
import { sql } from 'kysely';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../config/config-schema.js';
import { connectDatabase, type DatabaseHandle } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { createTimescaleJobsMonitor } from '../db/timescale-jobs.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { createMetricsRegistry } from '../api/metrics.js';
import type { ReadinessCheck } from '../api/health.routes.js';
import { buildApp } from '../api/app.js';
import { createApiKeyService } from '../auth/api-key-service.js';
import { apiKeysRoutes } from '../auth/api-keys.routes.js';
import { createAccountsService } from '../accounts/accounts-service.js';
import { accountsRoutes } from '../accounts/accounts.routes.js';
import { createMetersService } from '../meters/meters-service.js';
import { metersRoutes } from '../meters/meters.routes.js';
import { tariffServiceOf } from '../tariffs/tariff-service.js';
import { buildCatalog } from '../tariffs/tariff-catalog.js';
import { loadTariffDir } from '../tariffs/tariff-loader.js';
import { createQuoteRunner } from '../tariffs/quote-runner.js';
import { tariffRoutes } from '../tariffs/tariffs.routes.js';
import { wireIngest } from '../ingest/ingest-wiring.js';
import { createGatewayCredentialsService } from '../gateways/gateway-credentials-service.js';
import { gatewayCredentialsRoutes } from '../gateways/gateway-credentials.routes.js';
import { startDemoSimulator } from '../simulator/demo-simulator.js';
import { ensureDemoCredential } from '../simulator/demo-credential.js';
import { loadInstalledMeters } from '../simulator/fleet-from-db.js';

export interface ContainerOptions {
  log?: Logger;
  clock?: Clock;
  /** Reuse an open database (tests); otherwise one is opened from the config. */
  database?: DatabaseHandle;
}

export async function createContainer(config: Config, opts: ContainerOptions = {}) {
  const log = opts.log ?? createLogger(config.LOG_LEVEL, process.stdout.isTTY && config.NODE_ENV !== 'production');
  const clock = opts.clock ?? systemClock;
  // Tariffs first: a broken tariff file stops start-up before anything is opened (all-or-nothing).
  const tariffFiles = await loadTariffDir(config.TARIFFS_DIR);
  const tariffs = tariffServiceOf(buildCatalog(tariffFiles));
  const quotes = createQuoteRunner({
    tariffs, files: tariffFiles, workers: config.QUOTE_WORKERS, queueMax: config.QUOTE_QUEUE_MAX, timeoutMs: config.QUOTE_TIMEOUT_MS,
  });
  const database =
    opts.database ??
    (await connectDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: path.join(config.DATA_DIR, 'pg'),
      poolMax: config.DATABASE_POOL_MAX,
    }));
  const { db } = database;
  // A database handed in (tests) belongs to the caller; one opened here is closed here.
  const closers: Array<() => Promise<void>> = opts.database ? [] : [() => database.close()];
  closers.push(() => quotes.close());
  const metrics = createMetricsRegistry();

  const apiKeys = createApiKeyService({ db, clock });
  const tariffCategories = new Map(tariffs.list().map((t) => [t.code, t.category]));
  const accounts = createAccountsService({ db, clock, tariffCategory: (code) => tariffCategories.get(code) });
  const meters = createMetersService({ db, clock, timezone: config.TIMEZONE, onInstallationChange: (serials) => ingest.invalidateMeters(serials) });

  const gatewayCredentials = createGatewayCredentialsService({ db, clock, reservedUsernames: [config.MQTT_SERVICE_USERNAME] });
  const ingest = wireIngest({ config, db, pool: database.pool, log, clock, metrics, gatewayCredentials });

  const routes: FastifyPluginAsyncZod[] = [apiKeysRoutes({ apiKeys }), gatewayCredentialsRoutes({ credentials: gatewayCredentials }), accountsRoutes({ accounts }), metersRoutes({ meters }), tariffRoutes({ tariffs, quotes }), ...ingest.routes];
  const timescaleJobs = createTimescaleJobsMonitor({ db, metrics, log: log.child({ module: 'timescaledb' }) });
  const readiness: ReadinessCheck[] = [
    { name: 'database', check: async () => void (await sql`select 1`.execute(db)) },
    ingest.readiness,
    ...timescaleJobs.readiness,
  ];

  return {
    config,
    log,
    clock,
    database,
    db,
    metrics,
    apiKeys,
    gatewayCredentials,
    accounts,
    meters,
    tariffs,
    quotes,
    ingest,
    routes,
    readiness,
    migrate: () => migrateToLatest(db),
    buildApp: () =>
      buildApp({
        log,
        apiKeys,
        metrics,
        readiness,
        routes,
        http: {
          bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
          rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
          authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
        },
        clock,
        version: '0.1.0',
      }),
    /** Starts background work (MQTT ingestion, schedules). Filled in by the features that have any. */
    startBackground: async () => {
      // MQTT ingestion; at close: stop consuming, flush the writer, disconnect (before the database closes).
      // quote workers start in the background: start-up (and /healthz) does not wait for them
      void quotes.warm().catch((err: unknown) => log.warn({ err }, 'quote workers did not start; quotes will retry'));
      await ingest.start();
      closers.push(() => ingest.stop());
    },
    /** Starts the gentle demo simulator (`meterbill start`); stopped at close. */
    startDemoSimulator: async () => {
      const serials = (await loadInstalledMeters(db)).map((m) => m.serial);
      const credential = serials.length ? await ensureDemoCredential(gatewayCredentials, config.DATA_DIR, serials) : undefined;
      const stop = await startDemoSimulator({ db, clock, config, log: log.child({ module: 'demo-simulator' }), ...(credential ? { credential } : {}) });
      closers.push(stop);
    },
    /** Registers a resource to release at shutdown (closed in reverse order). */
    onClose: (fn: () => Promise<void>) => closers.push(fn),
    close: async () => {
      for (const fn of closers.reverse()) await fn();
    },
  };
}

export type Container = Awaited<ReturnType<typeof createContainer>>;
