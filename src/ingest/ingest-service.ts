/**
 * The ingest service: MQTT consumer pool → processor (parse, validate) → batching writer.
 * `start()` connects; `stop()` stops taking messages, flushes the writer (acking what it
 * committed), then disconnects.
 */
import { Registry } from 'prom-client';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { createCopyBatchWrite } from './copy-writer.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import { createBatchWriter, isTransientDbError, retryDelayMs, type UnitOutcome, type WriteUnit } from './batch-writer.js';
import { loadMeterStates, loadRegisterNeighbours, type WriteCounts } from './ingest-repository.js';
import { createIngestMetrics } from './ingest-metrics.js';
import { createMessageProcessor } from './ingest-processor.js';
import { createMeterCache } from './meter-cache.js';
import { connectionClientIds, createMqttConsumer } from './mqtt-consumer.js';
import { createSessionRetirement, type SessionRetirementStats } from './session-retirement.js';
import type { DeadLetterReason } from './message-parse.js';

export interface IngestSettings {
  mqttUrl: string;
  topicPrefix: string;
  shareGroup: string;
  /** Base of the connections' client ids (`{clientId}-{n}`). */
  clientId: string;
  /** This instance in the share group (MQTT_INSTANCE_ID): whose recorded sessions it drains (default '1'). */
  instanceId?: string;
  /** The MQTT service account (else the URL's user:password, if any). */
  username?: string | undefined;
  password?: string | undefined;
  /** CA certificate(s) for mqtts:// with a private CA. */
  ca?: Buffer | undefined;
  connections: number;
  batchMaxRows: number;
  batchMaxMs: number;
  maxFutureSkewS: number;
  maxPayloadBytes: number;
  queueMaxRows: number;
  retryMaxMs: number;
  meterCacheSize: number;
  /** Batches in flight at once on a server (the embedded database has one connection: 1). */
  writers: number;
  /** Attempts at a transient write error before a message is dead-lettered `write_failed` (default 8). */
  writeMaxAttempts?: number;
  /** Unready when messages have waited this long with no commit (default 60). */
  stallSeconds?: number;
  /** Draining retired sessions: quiet period that ends a drain, its bound, the retry period (ms). */
  sessionDrain?: { quietMs?: number; maxMs?: number; retryMs?: number; heartbeatMs?: number; staleMs?: number };
}

export interface IngestServiceDeps {
  db: Kysely<Database>;
  /** The server pool, when on PostgreSQL: batches are then written by COPY, several at once. */
  pool?: pg.Pool | undefined;
  log: Logger;
  clock: Clock;
  settings: IngestSettings;
  /** Process registry; a private one when absent (several services in one test process). */
  metrics?: Registry;
}

export interface IngestStats {
  startedAt: string;
  messages: { stored: number; partial: number; deadLettered: number };
  readingsOffered: number;
  readingsInserted: number;
  duplicates: number;
  events: number;
  deadLetters: Record<string, number>;
  /** Ignored payload fields by label (see meterbill_ingest_unknown_fields_total). */
  unknownFields: Record<string, number>;
  batches: number;
  retries: number;
  lastCommitAt: string | null;
  queue: { units: number; rows: number; inFlightMessages: number; stalled: boolean };
  mqtt: { connections: number; connected: number; sessions: SessionRetirementStats };
}

/** Distinct field labels counted on their own; the rest count as `other` (label 33 is `other`). */
export const UNKNOWN_FIELD_LABELS_MAX = 32;

export function createIngestService(deps: IngestServiceDeps) {
  const s = deps.settings;
  const log = deps.log.child({ module: 'ingest' });
  const m = createIngestMetrics(deps.metrics ?? new Registry());
  const startedAt = deps.clock.now().toISOString();
  const counts = { stored: 0, partial: 0, deadLettered: 0, events: 0, deadLetters: {} as Record<string, number>, unknownFields: new Map<string, number>() };
  // Labelled children resolved once: inc({ outcome }) would hash the labels on every message.
  const byOutcome = { stored: m.messages.labels('stored'), partial: m.messages.labels('partial'), dead_lettered: m.messages.labels('dead_lettered') };
  const cache = createMeterCache({
    load: (serials) => loadMeterStates(deps.db, serials),
    maxSize: s.meterCacheSize,
    staleMs: 30_000,
    now: () => deps.clock.now().getTime(),
  });
  const processMessage = createMessageProcessor({
    prefix: s.topicPrefix,
    maxPayloadBytes: s.maxPayloadBytes,
    cache,
    maxFutureSkewMs: s.maxFutureSkewS * 1000,
    now: () => deps.clock.now().getTime(),
    neighbours: (meterId, channels, at) => loadRegisterNeighbours(deps.db, meterId, channels, at),
  });
  const now = () => deps.clock.now().getTime();
  const stallMs = (s.stallSeconds ?? 60) * 1000;
  // Messages between arrival and commit, and when progress was last made (a commit, or the
  // first message after an idle spell): readiness turns false when they wait too long.
  let busy = 0;
  let progressAt = now();
  const writer = createBatchWriter({
    db: deps.db,
    ...(deps.pool ? { write: createCopyBatchWrite(deps.pool, deps.db), concurrency: s.writers } : {}),
    log,
    maxRows: s.batchMaxRows,
    maxMs: s.batchMaxMs,
    queueMaxRows: s.queueMaxRows,
    retryMaxMs: s.retryMaxMs,
    producers: () => Math.max(1, consumer.inFlight()),
    ...(s.writeMaxAttempts ? { maxAttempts: s.writeMaxAttempts } : {}),
    onCommit: (b) => {
      progressAt = now();
      m.batchRows.observe(b.rows);
      m.batchSeconds.observe(b.ms / 1000);
      m.readingsInserted.inc(b.counts.readings);
      recordConflicts(b.counts);
    },
    onRetry: () => m.retries.inc(),
  });
  const consumer = createMqttConsumer({
    url: s.mqttUrl,
    clientId: s.clientId,
    username: s.username,
    password: s.password,
    ca: s.ca,
    connections: s.connections,
    prefix: s.topicPrefix,
    shareGroup: s.shareGroup,
    log,
    onMessage: async (topic, payload) => void (await ingest(topic, payload)),
    onConnectionsChanged: (up) => m.connected.set(up),
  });
  /** Drains (through ingest()) and removes the instance's recorded sessions not among clientIds. */
  const retirement = (instanceId: string, clientIds: string[]) =>
    createSessionRetirement({
      db: deps.db,
      log,
      now: () => deps.clock.now(),
      instanceId,
      shareGroup: s.shareGroup,
      topicPrefix: s.topicPrefix,
      clientIds,
      drain: {
        url: s.mqttUrl,
        // The drains log in as the ingest connections do (service account, private CA).
        connectOptions: { ...(s.username !== undefined ? { username: s.username, password: s.password } : {}), ...(s.ca ? { ca: s.ca } : {}) },
        onMessage: async (topic, payload) => void (await ingest(topic, payload)),
        quietMs: s.sessionDrain?.quietMs ?? 3000,
        maxMs: s.sessionDrain?.maxMs ?? 600_000,
      },
      retryMs: s.sessionDrain?.retryMs ?? 30_000,
      ...(s.sessionDrain?.heartbeatMs ? { heartbeatMs: s.sessionDrain.heartbeatMs } : {}),
      ...(s.sessionDrain?.staleMs ? { staleMs: s.sessionDrain.staleMs } : {}),
      metrics: { outstanding: m.sessionsOutstanding, drained: m.sessionsDrained },
    });
  const sessions = retirement(s.instanceId ?? '1', connectionClientIds(s.clientId, s.connections));

  /**
   * Processes one message and resolves once its rows and dead letters are committed; only then
   * are the meter's register values moved on and the message counted (as what was committed).
   */
  async function ingest(topic: string, payload: Buffer): Promise<UnitOutcome> {
    if (busy++ === 0) progressAt = now();
    try {
      await writer.waitForCapacity();
      const unit = await processSafely(topic, payload);
      m.queueRows.set(writer.queuedRows());
      const outcome = await writer.submit(unit);
      if (outcome.stored) {
        unit.afterCommit?.();
        record(unit);
      } else {
        recordReplaced(outcome.reason);
      }
      return outcome;
    } finally {
      busy--;
    }
  }

  /** True when messages are waiting and nothing has committed for the stall period. */
  function stalled(): boolean {
    return busy > 0 && now() - progressAt > stallMs;
  }

  /**
   * A transient database error while looking meters up is retried; any other failure is a defect
   * that must not block the connection (mqtt.js reads nothing more until the ack): the raw message
   * is dead-lettered as `internal_error`, to replay once fixed, and acknowledged.
   */
  async function processSafely(topic: string, payload: Buffer): Promise<WriteUnit> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await processMessage(topic, payload);
      } catch (err) {
        if (isTransientDbError(err) && attempt < 1000) {
          m.retries.inc();
          await new Promise((r) => setTimeout(r, retryDelayMs(attempt, s.retryMaxMs)));
          continue;
        }
        log.error({ err, topic }, 'message processing failed; dead-lettered as internal_error');
        const details = { message: err instanceof Error ? err.message : String(err) };
        return { readings: [], events: [], deadLetters: [{ topic, payload, reason: 'internal_error', details, meterSerial: null }], source: { topic, payload } };
      }
    }
  }

  /** The message was dead-lettered whole in place of its rows (db_rejected, write_failed). */
  function recordReplaced(reason: DeadLetterReason): void {
    byOutcome.dead_lettered.inc();
    counts.deadLettered++;
    countDeadLetters(reason, 1);
  }

  function recordConflicts(c: WriteCounts): void {
    if (c.conflicts === 0) return;
    m.conflicts.inc(c.conflicts);
    countDeadLetters('conflicting_value', c.conflicts);
  }

  function countDeadLetters(reason: DeadLetterReason, n: number): void {
    m.deadLetters.inc({ reason }, n);
    counts.deadLetters[reason] = (counts.deadLetters[reason] ?? 0) + n;
  }

  function record(unit: WriteUnit): void {
    const outcome = unit.deadLetters.length === 0 ? 'stored' : unit.readings.length + unit.events.length > 0 ? 'partial' : 'dead_lettered';
    byOutcome[outcome].inc();
    counts[outcome === 'dead_lettered' ? 'deadLettered' : outcome]++;
    m.readings.inc(unit.readings.length);
    m.events.inc(unit.events.length);
    counts.events += unit.events.length;
    for (const d of unit.deadLetters) countDeadLetters(d.reason, 1);
    for (const f of unit.unknownFields ?? []) countUnknownField(f);
  }

  /** Labels are bounded: a sender inventing field names cannot grow the metric without end. */
  function countUnknownField(label: string): void {
    // A Map: a field may well be called "constructor" or "__proto__".
    const seen = counts.unknownFields;
    const field = seen.has(label) || seen.size < UNKNOWN_FIELD_LABELS_MAX ? label : 'other';
    m.unknownFields.inc({ field });
    seen.set(field, (seen.get(field) ?? 0) + 1);
  }

  function stats(): IngestStats {
    const w = writer.stats();
    return {
      startedAt,
      messages: { stored: counts.stored, partial: counts.partial, deadLettered: counts.deadLettered },
      readingsOffered: w.rowsOffered,
      readingsInserted: w.rowsInserted,
      duplicates: w.rowsOffered - w.rowsInserted,
      events: counts.events,
      deadLetters: { ...counts.deadLetters },
      unknownFields: Object.fromEntries(counts.unknownFields),
      batches: w.batches,
      retries: w.retries,
      lastCommitAt: w.lastCommitAt,
      queue: { units: w.queuedUnits, rows: w.queuedRows, inFlightMessages: consumer.inFlight(), stalled: stalled() },
      mqtt: { connections: s.connections, connected: consumer.connected(), sessions: sessions.stats() },
    };
  }

  return {
    start: async (): Promise<void> => {
      await sessions.prepare();
      consumer.start();
      sessions.start();
      log.info({ url: s.mqttUrl.replace(/\/\/[^@/]*@/, '//[redacted]@'), connections: s.connections, group: s.shareGroup, prefix: s.topicPrefix, instance: s.instanceId ?? '1', clientId: s.clientId }, 'ingest started');
    },
    stop: async (): Promise<void> => {
      consumer.pause();
      sessions.pause();
      await writer.stop();
      await consumer.close();
      await sessions.stop();
      await sessions.release();
      log.info(stats(), 'ingest stopped');
    },
    /** The /readyz note while retired sessions are not yet drained and removed, or null. */
    sessionsNote: (): string | null => {
      const n = sessions.stats().outstanding;
      return n > 0 ? `ok; ${n} retired MQTT session(s) not yet drained` : null;
    },
    /** Resolves when the current round of draining retired sessions has ended (tests). */
    sessionsSettled: () => sessions.settled(),
    /**
     * Drains and removes every outstanding session recorded under an instance that is gone for
     * good (`meterbill mqtt-sessions drain`), one round, without starting the pool; then stop().
     */
    retireInstance: async (instanceId: string): Promise<SessionRetirementStats> => {
      const r = retirement(instanceId, []);
      await r.prepare();
      r.start();
      await r.settled();
      await r.stop();
      return r.stats();
    },
    stats,
    /** True when at least one connection is up. */
    isConnected: () => consumer.connected() > 0,
    stalled,
    /** Why the service is stalled (for readiness), or null. */
    stallReason: (): string | null =>
      stalled() ? `${busy} message(s) waiting and nothing committed for ${Math.round((now() - progressAt) / 1000)} s` : null,
    /** Ingests one message without MQTT (tests, CLI replays); resolves after commit. */
    ingest,
    /** Forgets cached meter state after installation changes (null: everything). */
    invalidateMeters: (serials: string[] | null) => cache.invalidate(serials),
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
