/**
 * The composition root: an ordered list of modules, chosen by `MODULES`, built once from the
 * configuration. Modules start in list order and stop in reverse (src/lib/module.ts). Nothing
 * else in the code constructs a dependency; tests build the pieces they need with fakes instead.
 *
 *   database → timescale-jobs → [api] api-keys → tariffs → accounts → meters → readings →
 *   ingest-admin → [ingest] ingest → [meterbill start] demo-simulator
 *
 * Every instance has the HTTP platform (health, readiness, metrics, key verification); which
 * routes it serves and what runs in the background depends on its roles.
 */
import { sql } from 'kysely';
import type { Config } from '../config/config-schema.js';
import { createLogger } from '../lib/logger.js';
import { packageVersion } from '../lib/version.js';
import { readinessOf, routesOf, startModules, stopModules, type AppModule } from '../lib/module.js';
import { createMetricsRegistry } from '../api/metrics.js';
import { buildApp } from '../api/app.js';
import { createApiKeyService } from '../auth/api-key-service.js';
import { createApiKeysModule } from '../auth/api-keys.module.js';
import { createAccountsModule, type AccountsModule } from '../accounts/accounts.module.js';
import { createMetersModule, type MetersModule } from '../meters/meters.module.js';
import { createTariffsModule } from '../tariffs/tariffs.module.js';
import { createIngestAdminModule, createIngestModule, type IngestAdminModule, type IngestModule } from '../ingest/ingest.module.js';
import { createReadingsModule } from '../readings/readings.module.js';
import { createBillingModule, type BillingModule } from '../billing/billing.module.js';
import { createGatewayCredentialsService } from '../gateways/gateway-credentials-service.js';
import { createGatewaysModule } from '../gateways/gateways.module.js';
import { ensureDemoCredential } from '../simulator/demo-credential.js';
import { loadInstalledMeters } from '../simulator/fleet-from-db.js';
import { createTimescaleJobsModule } from '../db/timescale-jobs.module.js';
import { createDemoSimulatorModule } from '../simulator/demo-simulator.module.js';
import { openPlatform, type Platform, type PlatformOptions } from './platform.js';

export interface ComposeOptions extends PlatformOptions {
  /** `meterbill start`: the demo simulator, last in the list (it publishes to this instance's broker). */
  demoSimulator?: boolean;
}

export async function composeInstance(config: Config, opts: ComposeOptions = {}) {
  const log = opts.log ?? createLogger(config.LOG_LEVEL, process.stdout.isTTY && config.NODE_ENV !== 'production');
  const progress = opts.progress ?? ((step: string) => log.info(step));
  const roles = new Set(config.MODULES);
  // Tariffs first: a broken tariff file stops start-up before anything is opened (all-or-nothing).
  if (roles.has('api')) progress(`loading tariffs from ${config.TARIFFS_DIR}`);
  const tariffs = roles.has('api') ? await createTariffsModule({ config, log }) : undefined;
  let platform: Platform;
  try {
    platform = await openPlatform(config, { ...opts, log, progress });
  } catch (err) {
    await tariffs?.stop?.();
    throw err;
  }
  const { db, clock, database } = platform;
  const metrics = createMetricsRegistry();
  // Every instance that listens verifies keys (an ingest-only one for /metrics).
  const apiKeys = createApiKeyService({ db, clock });
  // API instances manage gateway credentials; ingest instances' embedded broker checks logins against them.
  const gatewayCredentials = createGatewayCredentialsService({ db, clock, reservedUsernames: [config.MQTT_SERVICE_USERNAME] });

  const modules: AppModule[] = [
    {
      name: 'database',
      readiness: [{ name: 'database', check: async () => void (await sql`select 1`.execute(db)) }],
      stop: () => platform.close(),
    },
    createTimescaleJobsModule({ db, metrics, log: log.child({ module: 'timescaledb' }) }),
  ];
  const ingest: IngestModule | undefined = roles.has('ingest')
    ? createIngestModule({
        config, db, pool: database.pool, log, clock, metrics, gatewayCredentials,
        onBrokerStart: () => progress(`starting the embedded MQTT broker on port ${config.MQTT_EMBEDDED_PORT}`),
      })
    : undefined;
  let accounts: AccountsModule | undefined;
  let meters: MetersModule | undefined;
  let ingestAdmin: IngestAdminModule | undefined;
  let billing: BillingModule | undefined;
  if (tariffs) {
    accounts = createAccountsModule({ db, clock, tariffCategory: tariffs.categoryOf });
    meters = createMetersModule({ db, clock, timezone: config.TIMEZONE, invalidateMeters: ingest?.invalidateMeters });
    const readings = createReadingsModule({ db, timezone: config.TIMEZONE, clock });
    ingestAdmin = createIngestAdminModule({ config, db, clock, queries: readings.queries, consumer: ingest });
    billing = createBillingModule({ db, clock, log, tariffs: tariffs.service, config });
    modules.push(createApiKeysModule({ apiKeys }), createGatewaysModule({ credentials: gatewayCredentials }), tariffs, accounts, meters, readings, ingestAdmin, billing);
  }
  if (ingest) modules.push(ingest);
  if (opts.demoSimulator) {
    modules.push(createDemoSimulatorModule({
      db, clock, config, log: log.child({ module: 'demo-simulator' }),
      // the demo meters' credential, issued (or reused from DATA_DIR) when the simulator starts
      credential: async () => {
        const serials = (await loadInstalledMeters(db)).map((m) => m.serial);
        return serials.length ? ensureDemoCredential(gatewayCredentials, config.DATA_DIR, serials) : undefined;
      },
    }));
  }

  // /readyz walks this array at each request: tests add a check to it.
  const readiness = readinessOf(modules);
  let closing: Promise<void> | undefined;
  return {
    config,
    log,
    clock,
    database,
    db,
    metrics,
    apiKeys,
    gatewayCredentials,
    /** Which database this instance talks to, for people (no password). */
    target: platform.target,
    modules,
    /** A feature's service, when this instance runs it (undefined otherwise). */
    tariffs: tariffs?.service,
    quotes: tariffs?.quotes,
    accounts: accounts?.service,
    meters: meters?.service,
    ingest,
    ingestAdmin,
    billing: billing?.service,
    readiness,
    migrate: platform.migrate,
    buildApp: () =>
      buildApp({
        log,
        apiKeys,
        metrics,
        readiness,
        routes: routesOf(modules),
        http: {
          bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
          rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
          authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
        },
        clock,
        version: packageVersion(),
      }),
    /** Starts the modules' background work in list order (ingestion, quote workers, demo simulator). */
    start: () => startModules(modules),
    /** Stops every module in reverse order, the database last. Safe to call twice. */
    close: (): Promise<void> => (closing ??= stopModules(modules)),
  };
}

export type Instance = Awaited<ReturnType<typeof composeInstance>>;
