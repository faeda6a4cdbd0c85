/**
 * The ingest feature's modules.
 * - `createIngestModule`: the consumer pool — the broker (embedded aedes when MQTT_URL is unset),
 *   the MQTT → parse → validate → batch writer service, the meter-change listener; readiness
 *   `mqtt`. Runs in instances with the `ingest` role.
 * - `createIngestAdminModule`: the REST face — dead letters (preview, raw, replay) and
 *   `/ingest/stats`. Runs in instances with the `api` role; it needs no broker (a replay writes
 *   through the same validation and writer as a live message).
 */
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { Config } from '../config/config-schema.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import type { AppModule } from '../lib/module.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
import { brokerUrl } from './broker-url.js';
import { createIngestService, type IngestService, type IngestSettings, type IngestStats } from './ingest-service.js';
import type { ReadingsQueries } from '../readings/readings-queries.js';
import { ingestRoutes } from './ingest.routes.js';
import { createDeadLetterReplay, type DeadLetterReplay } from './dead-letter-replay.js';
import { listenMeterChanges, type MeterChangeListener } from '../meters/meter-changes.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { GatewayCredentialsService } from '../gateways/gateway-credentials-service.js';
import { createFailedAuthLimiter } from '../api/failed-auth-limiter.js';
import { maxPacketBytesFor } from './packet-size-guard.js';

type IngestConfig = Pick<
  Config,
  | 'MQTT_URL' | 'MQTT_EMBEDDED_PORT' | 'MQTT_TOPIC_PREFIX' | 'MQTT_SHARE_GROUP' | 'MQTT_CLIENT_ID' | 'MQTT_INSTANCE_ID' | 'MQTT_SESSION_DRAIN_QUIET_MS' | 'HOST'
  | 'INGEST_CONNECTIONS' | 'INGEST_BATCH_MAX_ROWS' | 'INGEST_BATCH_MAX_MS' | 'INGEST_MAX_FUTURE_SKEW_S' | 'INGEST_MAX_PAYLOAD_BYTES'
  | 'INGEST_QUEUE_MAX_ROWS' | 'INGEST_RETRY_MAX_MS' | 'INGEST_METER_CACHE_SIZE' | 'INGEST_WRITERS' | 'INGEST_WRITE_MAX_ATTEMPTS' | 'INGEST_STALL_SECONDS'
  | 'MQTT_AUTH' | 'MQTT_CA_FILE' | 'MQTT_SERVICE_USERNAME' | 'MQTT_SERVICE_PASSWORD' | 'AUTH_FAILURES_PER_MINUTE'
>;

/**
 * The service account the ingest connections use. An external broker: MQTT_SERVICE_USERNAME and
 * MQTT_SERVICE_PASSWORD when the password is set, else whatever the URL carries. The embedded
 * broker: the configured password, or a random one for this process.
 */
export function serviceAccount(config: Pick<Config, 'MQTT_URL' | 'MQTT_SERVICE_USERNAME' | 'MQTT_SERVICE_PASSWORD'>): { username: string; password: string } | undefined {
  if (config.MQTT_SERVICE_PASSWORD) return { username: config.MQTT_SERVICE_USERNAME, password: config.MQTT_SERVICE_PASSWORD };
  if (config.MQTT_URL) return undefined;
  return { username: config.MQTT_SERVICE_USERNAME, password: randomBytes(24).toString('base64url') };
}

export function ingestSettings(config: IngestConfig, mqttUrl: string, account?: { username: string; password: string }): IngestSettings {
  return {
    mqttUrl,
    ...(account ?? {}),
    ...(config.MQTT_CA_FILE && config.MQTT_URL ? { ca: readFileSync(config.MQTT_CA_FILE) } : {}),
    topicPrefix: config.MQTT_TOPIC_PREFIX,
    shareGroup: config.MQTT_SHARE_GROUP,
    clientId: config.MQTT_CLIENT_ID ?? `meterbill-${config.MQTT_INSTANCE_ID}`,
    instanceId: config.MQTT_INSTANCE_ID,
    sessionDrain: { quietMs: config.MQTT_SESSION_DRAIN_QUIET_MS },
    connections: config.INGEST_CONNECTIONS,
    batchMaxRows: config.INGEST_BATCH_MAX_ROWS,
    batchMaxMs: config.INGEST_BATCH_MAX_MS,
    maxFutureSkewS: config.INGEST_MAX_FUTURE_SKEW_S,
    maxPayloadBytes: config.INGEST_MAX_PAYLOAD_BYTES,
    queueMaxRows: config.INGEST_QUEUE_MAX_ROWS,
    retryMaxMs: config.INGEST_RETRY_MAX_MS,
    meterCacheSize: config.INGEST_METER_CACHE_SIZE,
    writers: config.INGEST_WRITERS,
    writeMaxAttempts: config.INGEST_WRITE_MAX_ATTEMPTS,
    stallSeconds: config.INGEST_STALL_SECONDS,
  };
}

export interface IngestModuleDeps {
  config: IngestConfig;
  db: Kysely<Database>;
  pool?: pg.Pool | undefined;
  log: Logger;
  clock: Clock;
  metrics: Registry;
  /** Gateway logins and ACLs of the embedded broker (MQTT_AUTH=required). */
  gatewayCredentials: Pick<GatewayCredentialsService, 'verify' | 'onRevoked'>;
  /** Told when the embedded broker is being started (progress lines of `meterbill start`). */
  onBrokerStart?: () => void;
}

export interface IngestModule extends AppModule {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The running service (undefined before start). */
  service(): IngestService | undefined;
  /** This instance's installation changes (on PostgreSQL the LISTEN hears other instances' too). */
  invalidateMeters(serials: string[]): void;
  brokerUrl(): string | undefined;
  /**
   * `meterbill mqtt-sessions drain`: drains and removes the sessions recorded under an instance
   * that is gone for good, through an ingest service that is not started (no pool of its own).
   */
  retireInstance(instanceId: string): ReturnType<IngestService['retireInstance']>;
  /** Largest MQTT packet the embedded broker takes (INGEST_MAX_PAYLOAD_BYTES + overhead). */
  maxPacketBytes: number;
}

export function createIngestModule(deps: IngestModuleDeps): IngestModule {
  const account = serviceAccount(deps.config);
  async function startBroker(service: { username: string; password: string }): Promise<EmbeddedBroker> {
    const { config } = deps;
    const auth =
      config.MQTT_AUTH === 'required'
        ? {
            prefix: config.MQTT_TOPIC_PREFIX,
            service,
            gateways: deps.gatewayCredentials,
            failures: createFailedAuthLimiter({ perMinute: config.AUTH_FAILURES_PER_MINUTE, clock: deps.clock }),
          }
        : undefined;
    if (!auth) deps.log.warn('MQTT_AUTH=off: the embedded broker lets anonymous clients publish and subscribe to anything');
    const b = await startEmbeddedBroker({ port: config.MQTT_EMBEDDED_PORT, host: config.HOST, log: deps.log, metrics: deps.metrics, maxPacketBytes: maxPacketBytesFor(config.INGEST_MAX_PAYLOAD_BYTES), ...(auth ? { auth } : {}) });
    deps.gatewayCredentials.onRevoked((gatewayId) => b.disconnectGateway(gatewayId));
    return b;
  }
  let broker: EmbeddedBroker | undefined;
  let service: IngestService | undefined;
  let listener: MeterChangeListener | undefined;
  return {
    name: 'ingest',
    readiness: [
      {
        name: 'mqtt',
        check: async () => {
          if (service && !service.isConnected()) throw new Error('no MQTT connection');
          const stall = service?.stallReason();
          if (stall) throw new Error(`ingest stalled: ${stall}`);
          // Informational, not unready: the live pool ingests meanwhile (alert on the gauge).
          return service?.sessionsNote() ?? undefined;
        },
      },
    ],
    /** Starts the embedded broker if needed, then the ingest service. */
    start: async () => {
      const { config } = deps;
      if (!config.MQTT_URL) {
        deps.onBrokerStart?.();
        broker = await startBroker(account as { username: string; password: string });
      }
      const url = brokerUrl(config, broker?.port);
      service = createIngestService({ db: deps.db, pool: deps.pool, log: deps.log, clock: deps.clock, metrics: deps.metrics, settings: ingestSettings(config, url, account) });
      // Installation changes made by any instance reach this one's meter cache (#24).
      if (deps.pool) {
        listener = listenMeterChanges(deps.pool, (serials) => service?.invalidateMeters(serials), deps.log.child({ module: 'ingest' }));
        await listener.ready;
      }
      await service.start();
    },
    /** Stop consuming, flush the writer, disconnect; then the embedded broker. */
    stop: async () => {
      await listener?.close();
      await service?.stop();
      await broker?.close();
    },
    service: () => service,
    retireInstance: async (instanceId) => {
      const { config } = deps;
      if (!config.MQTT_URL) throw new Error('MQTT_URL is not set: sessions of the embedded broker do not outlive its process');
      // Its own metrics registry: the process registry may hold a running service's already.
      const drainer = createIngestService({ db: deps.db, pool: deps.pool, log: deps.log, clock: deps.clock, settings: ingestSettings(config, config.MQTT_URL, account) });
      try {
        return await drainer.retireInstance(instanceId);
      } finally {
        await drainer.stop();
      }
    },
    invalidateMeters: (serials) => service?.invalidateMeters(serials),
    brokerUrl: () => (deps.config.MQTT_URL || broker ? brokerUrl(deps.config, broker?.port) : undefined),
    maxPacketBytes: maxPacketBytesFor(deps.config.INGEST_MAX_PAYLOAD_BYTES),
  };
}

export interface IngestAdminModuleDeps {
  config: Pick<Config, 'MQTT_TOPIC_PREFIX' | 'INGEST_MAX_PAYLOAD_BYTES' | 'INGEST_MAX_FUTURE_SKEW_S' | 'TIMEZONE'>;
  db: Kysely<Database>;
  clock: Clock;
  queries: ReadingsQueries;
  /** The local consumer, when this instance runs one: its stats, and its cache told of replayed meters. */
  consumer?: Pick<IngestModule, 'service' | 'invalidateMeters'> | undefined;
}

export interface IngestAdminModule extends AppModule {
  replay: DeadLetterReplay;
}

/** Dead-letter replay from the configuration (the admin module's, and `meterbill dead-letters replay`'s). */
export function createReplay(deps: Pick<IngestAdminModuleDeps, 'config' | 'db' | 'clock'> & { onStored?: (serials: string[]) => void }): DeadLetterReplay {
  return createDeadLetterReplay({
    db: deps.db,
    prefix: deps.config.MQTT_TOPIC_PREFIX,
    maxPayloadBytes: deps.config.INGEST_MAX_PAYLOAD_BYTES,
    maxFutureSkewMs: deps.config.INGEST_MAX_FUTURE_SKEW_S * 1000,
    now: () => deps.clock.now(),
    ...(deps.onStored ? { onStored: deps.onStored } : {}),
  });
}

export function createIngestAdminModule(deps: IngestAdminModuleDeps): IngestAdminModule {
  const replay = createReplay({ ...deps, onStored: (serials) => deps.consumer?.invalidateMeters(serials) });
  const stats = (): IngestStats | null => deps.consumer?.service()?.stats() ?? null;
  return {
    name: 'ingest-admin',
    routes: [ingestRoutes({ db: deps.db, prefix: deps.config.MQTT_TOPIC_PREFIX, timezone: deps.config.TIMEZONE, queries: deps.queries, replay, stats })],
    replay,
  };
}
