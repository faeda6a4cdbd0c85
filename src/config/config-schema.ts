import { z } from 'zod';
import { isValidTimeZone } from '../lib/local-time.js';

/** Environment variables that configure meterbill. The type is inferred, never written twice. */
const bool = z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] });
const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = (protocols: RegExp) =>
  z
    .string()
    .trim()
    .transform((s) => (s === '' ? undefined : s))
    .pipe(z.url({ protocol: protocols }).optional())
    .optional();

/**
 * What an instance runs (`MODULES`): `api` (the REST API: consumers, meters, readings, tariffs,
 * dead letters, API keys) and `ingest` (the MQTT consumer pool, with the embedded broker when
 * MQTT_URL is unset). Every instance that runs at all listens on HOST:PORT for /healthz, /readyz
 * and /metrics. Later roles (billing workers, schedules, anomaly scans) join this list.
 */
export const INSTANCE_ROLES = ['api', 'ingest'] as const;
export type InstanceRole = (typeof INSTANCE_ROLES)[number];

const roles = z
  .string()
  .default('all')
  .transform((s, ctx): InstanceRole[] => {
    const names = s.split(',').map((n) => n.trim()).filter(Boolean);
    const unknown = names.filter((n) => n !== 'all' && !(INSTANCE_ROLES as readonly string[]).includes(n));
    if (unknown.length) {
      ctx.addIssue({ code: 'custom', message: `unknown module(s) ${unknown.join(', ')}; use a comma-separated list of ${INSTANCE_ROLES.join(', ')}, or all` });
      return z.NEVER;
    }
    // Blank is unset (as for the URLs): everything.
    return names.length === 0 || names.includes('all') ? [...INSTANCE_ROLES] : INSTANCE_ROLES.filter((r) => names.includes(r));
  });

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** PostgreSQL server (TimescaleDB used when preloaded). Unset: the embedded PGlite in DATA_DIR. */
  DATABASE_URL: optionalUrl(/^postgres(ql)?$/),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Folder for embedded state (database files, demo admin key). */
  DATA_DIR: z.string().min(1).default('./data'),
  /** MQTT broker. Unset: an in-process aedes broker on MQTT_EMBEDDED_PORT. */
  MQTT_URL: optionalUrl(/^(mqtts?|wss?|tcp|ssl)$/),
  /**
   * PEM file of the CA that signed the broker's certificate (mqtts://, a private CA such as the
   * reference set-up's); unset: the system's CAs. Read at start-up.
   */
  MQTT_CA_FILE: z.string().min(1).optional(),
  /** 1884 rather than 1883 so a Mosquitto already on the machine does not block start-up. */
  MQTT_EMBEDDED_PORT: port.default(1884),
  MQTT_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_\-/]+$/, 'letters, digits, _ - / only (no MQTT wildcards)')
    .default('meterbill/v1'),
  MQTT_SHARE_GROUP: z.string().regex(/^[A-Za-z0-9_-]+$/).default('meterbill'),
  /**
   * Embedded broker: `required` (default, also for the demo, whose simulator gets a credential of
   * its own) refuses anonymous clients and applies the gateway ACLs; `off` lets anyone connect,
   * publish and subscribe (development only). An external broker enforces its own (deploy/mosquitto).
   */
  MQTT_AUTH: z.enum(['required', 'off']).default('required'),
  /** The service account: the only one that may subscribe (its `$share/` group). Not a valid gateway id. */
  MQTT_SERVICE_USERNAME: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/).default('meterbill-service'),
  /**
   * Its password. External broker: used with MQTT_SERVICE_USERNAME when set (else the URL's
   * user:password, if any). Embedded broker: unset means a random one per process (only the
   * service's own connections use it); set it when other instances ingest from this broker.
   */
  MQTT_SERVICE_PASSWORD: z
    .string()
    .transform((s) => (s === '' ? undefined : s))
    .pipe(z.string().min(16, 'at least 16 characters').max(256).optional())
    .optional(),
  /**
   * This instance's name in the share group: stable across restarts and redeploys, distinct per
   * instance (e.g. 1, 2, 3, or a StatefulSet pod name; never a host name that changes on every
   * redeploy). The default client id is built from it, and on start-up the instance drains and
   * removes the persistent sessions it recorded before and no longer uses.
   */
  MQTT_INSTANCE_ID: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ - only (1-32)').default('1'),
  /**
   * Base of the ingest connections' client ids (`{id}-{n}`); default `meterbill-{MQTT_INSTANCE_ID}`.
   * Two instances with one id kick each other off. Changing it is safe: the old sessions are drained.
   */
  MQTT_CLIENT_ID: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).optional(),
  /** A retired session's drain ends when no message has arrived for this long. */
  MQTT_SESSION_DRAIN_QUIET_MS: z.coerce.number().int().min(100).max(600_000).default(3000),
  /** Ingest: MQTT connections in the shared group (each holds one unacknowledged message; docs/mqtt.md). */
  INGEST_CONNECTIONS: z.coerce.number().int().min(1).max(1000).default(64),
  /** Ingest: a batch is written when it reaches this many rows ... */
  INGEST_BATCH_MAX_ROWS: z.coerce.number().int().min(1).max(100_000).default(10_000),
  /** ... or when its oldest message has waited this long. */
  INGEST_BATCH_MAX_MS: z.coerce.number().int().min(1).max(10_000).default(50),
  /** Ingest: readings later than now + this are dead-lettered (meter clocks drift). */
  INGEST_MAX_FUTURE_SKEW_S: z.coerce.number().int().min(0).default(300),
  /** Ingest: larger messages are dead-lettered as `oversize`. */
  INGEST_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(256).max(64 * 1_048_576).default(1_048_576),
  /** Ingest: rows queued for the writer above which new messages wait (bounded memory). */
  INGEST_QUEUE_MAX_ROWS: z.coerce.number().int().min(1000).default(200_000),
  /** Ingest: ceiling of the backoff between retries of a failed batch write. */
  INGEST_RETRY_MAX_MS: z.coerce.number().int().min(10).default(10_000),
  /** Batches written at once on a PostgreSQL server (overlaps one commit with the next batch). */
  INGEST_WRITERS: z.coerce.number().int().min(1).max(16).default(2),
  /**
   * Ingest: attempts at a transient write error before the message is dead-lettered `write_failed`
   * (only if the database takes the dead letter: during an outage messages are kept and retried).
   */
  INGEST_WRITE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(8),
  /** Ingest: /readyz fails when messages have waited this long and nothing has committed. */
  INGEST_STALL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Ingest: meters kept in the validation cache (id, installations, last registers). */
  INGEST_METER_CACHE_SIZE: z.coerce.number().int().min(100).default(200_000),
  TIMEZONE: z
    .string()
    .refine((tz) => isValidTimeZone(tz), 'unknown IANA time zone')
    .default('Asia/Kolkata'),
  TARIFFS_DIR: z.string().min(1).default('./tariffs'),
  /** Worker threads computing quotes off the event loop (0: on it, for single-purpose processes). */
  QUOTE_WORKERS: z.coerce.number().int().min(0).max(32).default(2),
  /** Quotes waiting for a worker beyond which a new one gets 503. */
  QUOTE_QUEUE_MAX: z.coerce.number().int().min(0).max(10_000).default(32),
  /** A quote not answered this long after it arrived gets 504 (a running one is stopped). */
  QUOTE_TIMEOUT_MS: z.coerce.number().int().min(10).max(600_000).default(10_000),
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
  /** Requests with a missing or wrong API key per client address and minute; beyond, 429 without a key lookup. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** Which modules this instance runs: `api`, `ingest` (comma-separated) or `all` (default). */
  MODULES: roles,
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** `meterbill start`: seed the demo utility when the database has no consumers. */
  DEMO_SEED: bool.default(true),
  /** `meterbill start`: run a gentle simulator that publishes readings for the demo meters. */
  DEMO_SIMULATOR: bool.default(true),
  /**
   * Billing: estimation's last resort, units per kW of sanctioned load per day by category (JSON).
   * Defaults are load factors times 24 h: 10 % for homes (2.4), 15 % for shops (3.6), 20 % for
   * small industry (4.8), 40 % for HT industry (9.6) — our own round figures, to be replaced by the
   * utility's approved norms.
   */
  BILLING_NORMS: z
    .string()
    .default('{"lt_domestic":"2.4","lt_non_domestic":"3.6","lt_industrial":"4.8","ht_industrial":"9.6","ht_non_industrial":"7.2"}')
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON: {"category": "units per kW per day"}' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().regex(/^[a-z_]{1,32}$/), z.string().regex(/^\d{1,3}(\.\d{1,4})?$/, 'a decimal string such as "2.4"'))),
  /** Billing: workers a process runs on a billing run (each claims batches of accounts). */
  BILLING_WORKERS: z.coerce.number().int().min(1).max(64).default(2),
  /** Billing: accounts a worker claims at a time. */
  BILLING_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(200),
  /** Billing: a claim older than this is taken over (its worker is presumed dead). */
  BILLING_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(120_000),
});

export type Config = z.infer<typeof configSchema>;

