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
import { createBatchWriter, isTransientDbError, retryDelayMs, type WriteUnit } from './batch-writer.js';
import { loadMeterStates } from './ingest-repository.js';
import { createIngestMetrics } from './ingest-metrics.js';
import { createMessageProcessor } from './ingest-processor.js';
import { createMeterCache } from './meter-cache.js';
import { createMqttConsumer } from './mqtt-consumer.js';

export interface IngestSettings {
  mqttUrl: string;
  topicPrefix: string;
  shareGroup: string;
  clientId: string;
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
  batches: number;
  retries: number;
  lastCommitAt: string | null;
  queue: { units: number; rows: number; inFlightMessages: number };
  mqtt: { connections: number; connected: number };
}

export function createIngestService(deps: IngestServiceDeps) {
  const s = deps.settings;
  const log = deps.log.child({ module: 'ingest' });
  const m = createIngestMetrics(deps.metrics ?? new Registry());
  const startedAt = deps.clock.now().toISOString();
  const counts = { stored: 0, partial: 0, deadLettered: 0, events: 0, deadLetters: {} as Record<string, number> };
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
  });
  const writer = createBatchWriter({
    db: deps.db,
    ...(deps.pool ? { write: createCopyBatchWrite(deps.pool, deps.db), concurrency: s.writers } : {}),
    log,
    maxRows: s.batchMaxRows,
    maxMs: s.batchMaxMs,
    queueMaxRows: s.queueMaxRows,
    retryMaxMs: s.retryMaxMs,
    producers: () => Math.max(1, consumer.inFlight()),
    onCommit: (b) => {
      m.batchRows.observe(b.rows);
      m.batchSeconds.observe(b.ms / 1000);
      m.readingsInserted.inc(b.counts.readings);
    },
    onRetry: () => m.retries.inc(),
  });
  const consumer = createMqttConsumer({
    url: s.mqttUrl,
    clientId: s.clientId,
    connections: s.connections,
    prefix: s.topicPrefix,
    shareGroup: s.shareGroup,
    log,
    onMessage: (topic, payload) => ingest(topic, payload),
    onConnectionsChanged: (up) => m.connected.set(up),
  });

  /** Processes one message and resolves once its rows and dead letters are committed. */
  async function ingest(topic: string, payload: Buffer): Promise<void> {
    await writer.waitForCapacity();
    const unit = await processSafely(topic, payload);
    m.queueRows.set(writer.queuedRows());
    await writer.submit(unit);
    record(unit);
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

  function record(unit: WriteUnit): void {
    const outcome = unit.deadLetters.length === 0 ? 'stored' : unit.readings.length + unit.events.length > 0 ? 'partial' : 'dead_lettered';
    byOutcome[outcome].inc();
    counts[outcome === 'dead_lettered' ? 'deadLettered' : outcome]++;
    m.readings.inc(unit.readings.length);
    m.events.inc(unit.events.length);
    counts.events += unit.events.length;
    for (const d of unit.deadLetters) {
      m.deadLetters.inc({ reason: d.reason });
      counts.deadLetters[d.reason] = (counts.deadLetters[d.reason] ?? 0) + 1;
    }
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
      batches: w.batches,
      retries: w.retries,
      lastCommitAt: w.lastCommitAt,
      queue: { units: w.queuedUnits, rows: w.queuedRows, inFlightMessages: consumer.inFlight() },
      mqtt: { connections: s.connections, connected: consumer.connected() },
    };
  }

  return {
    start: async (): Promise<void> => {
      consumer.start();
      log.info({ url: s.mqttUrl, connections: s.connections, group: s.shareGroup, prefix: s.topicPrefix }, 'ingest started');
    },
    stop: async (): Promise<void> => {
      consumer.pause();
      await writer.stop();
      await consumer.close();
      log.info(stats(), 'ingest stopped');
    },
    stats,
    /** True when at least one connection is up. */
    isConnected: () => consumer.connected() > 0,
    /** Ingests one message without MQTT (tests, CLI replays); resolves after commit. */
    ingest,
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
