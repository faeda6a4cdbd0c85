/**
 * The batching writer: units (one per MQTT message: its rows and dead letters) are queued and
 * written together in one transaction; a unit's promise resolves only after that commit, which
 * is when its message is acknowledged. Batches close at `maxRows` rows, after `maxMs`, or as soon
 * as every producer (connection) is waiting.
 *
 * Failures never block a connection for ever:
 * - a permanent error (isTransientDbError false: bad data, a statement over a protocol or
 *   configuration limit) splits the batch so only the message that fails alone is dead-lettered
 *   (`db_rejected`);
 * - a transient one is retried with exponential backoff; after `maxAttempts` a batch is split and a
 *   single message that still fails is dead-lettered `write_failed` with the error code — but only
 *   if the database takes that dead letter: while it takes nothing (an outage) the message is kept
 *   and retried, since then the message is not what is wrong.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import { readingKey, writeBatch, type Batch, type WriteCounts } from './ingest-repository.js';
import type { DeadLetter, DeadLetterReason } from './message-parse.js';
import type { EventRow, ReadingRow } from './validate.js';

export interface WriteUnit {
  readings: ReadingRow[];
  events: EventRow[];
  deadLetters: DeadLetter[];
  /** The message, for a `db_rejected` / `write_failed` dead letter. */
  source: { topic: string; payload: Buffer };
  /** Runs once the unit's rows are committed as they are (not when it is dead-lettered instead). */
  afterCommit?: () => void;
  /** Fields the parser ignored (labels), counted once the unit is committed. */
  unknownFields?: string[];
}

/** How a unit ended: its rows committed, or the whole message dead-lettered in their place. */
export type UnitOutcome = { stored: true } | { stored: false; reason: DeadLetterReason };

export interface WriterOptions {
  db: Kysely<Database>;
  /**
   * How a batch is written. Default: one Kysely transaction (UNNEST) — the embedded database's
   * path. On a server the COPY path (copy-writer.ts) is passed in.
   */
  write?: (batch: Batch) => Promise<WriteCounts>;
  /** Batches in flight at once (a server overlaps one batch's commit with the next's send). */
  concurrency?: number;
  log: Logger;
  maxRows: number;
  maxMs: number;
  queueMaxRows: number;
  retryMaxMs: number;
  /** Attempts at a transient error before a batch is split / a message dead-lettered `write_failed`. */
  maxAttempts?: number;
  /** Messages accepted and not yet committed (flush as soon as all of them are waiting here). */
  producers: () => number;
  onCommit?: (batch: { units: number; rows: number; counts: WriteCounts; ms: number }) => void;
  onRetry?: (err: unknown, attempt: number) => void;
}

interface Entry {
  unit: WriteUnit;
  rows: number;
  resolve: (o: UnitOutcome) => void;
  reject: (err: Error) => void;
}

export interface WriterStats {
  queuedUnits: number;
  queuedRows: number;
  batches: number;
  rowsOffered: number;
  rowsInserted: number;
  retries: number;
  lastCommitAt: string | null;
}

/**
 * SQLSTATEs worth retrying: the connection or the server's state, not the statement. Not
 * 08P01 (protocol_violation: e.g. more than 65,535 bind parameters) or 53400
 * (configuration_limit_exceeded): the same statement fails the same way every time.
 */
const TRANSIENT_SQLSTATES = new Set([
  '08000', '08001', '08003', '08004', '08006', '08007', // connection exceptions
  '40001', '40P01', // serialization failure, deadlock
  '53000', '53100', '53200', '53300', // insufficient resources, disk full, out of memory, too many connections
  '55P03', // lock not available
  '57P01', '57P02', '57P03', '57P05', // admin / crash shutdown, cannot connect now, idle session timeout
  '58000', '58030', // system error, I/O error
]);
const TRANSIENT_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Connection-level and server-state errors are worth retrying; data and limit errors are not. */
export function isTransientDbError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && TRANSIENT_NODE.has(code)) return true;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATES.has(code);
  // No SQLSTATE: transient when the driver lost or could not get a connection ("Connection
  // terminated", pool timeout); anything else (a TypeError, say) is a defect, not worth retrying.
  return /connect|terminat|timeout|timed out|closed|ended/i.test((err as Error)?.message ?? '');
}

const DEFAULT_MAX_ATTEMPTS = 8;

export function createBatchWriter(o: WriterOptions) {
  const log = o.log.child({ module: 'ingest-writer' });
  const queue: Entry[] = [];
  let queuedRows = 0;
  const running = new Set<Promise<void>>();
  let inBatches = 0;
  const concurrency = Math.max(1, o.concurrency ?? 1);
  const write = o.write ?? ((b: Batch) => o.db.transaction().execute((trx) => writeBatch(trx, b)));
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const capacityWaiters: Array<() => void> = [];
  const stats: WriterStats = { queuedUnits: 0, queuedRows: 0, batches: 0, rowsOffered: 0, rowsInserted: 0, retries: 0, lastCommitAt: null };

  const maxAttempts = Math.max(1, o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);

  /** Resolves after the unit's commit, saying whether its rows or a dead letter in their place were stored. */
  function submit(unit: WriteUnit): Promise<UnitOutcome> {
    if (stopped) return Promise.reject(new Error('writer stopped'));
    const rows = unit.readings.length + unit.events.length + unit.deadLetters.length;
    return new Promise<UnitOutcome>((resolve, reject) => {
      queue.push({ unit, rows, resolve, reject });
      queuedRows += rows;
      schedule();
    });
  }

  function schedule(): void {
    if (running.size >= concurrency || queue.length === 0) return;
    // Everyone who could add to this batch is already waiting in it: waiting longer gains nothing.
    const allWaiting = queue.length + inBatches >= o.producers();
    if (queuedRows >= o.maxRows || allWaiting || stopped) return void kick();
    timer ??= setTimeout(kick, o.maxMs);
  }

  function kick(): void {
    if (timer) clearTimeout(timer);
    timer = null;
    if (running.size >= concurrency || queue.length === 0) return;
    const batch = take();
    inBatches += batch.length;
    const p: Promise<void> = runBatch(batch).finally(() => {
      inBatches -= batch.length;
      running.delete(p);
      releaseCapacity();
      // After the acks' continuations have run: until then the producers still count the
      // messages just committed, and the queue would wrongly wait for the timer.
      setImmediate(schedule);
    });
    running.add(p);
    schedule();
  }

  function take(): Entry[] {
    const batch: Entry[] = [];
    let rows = 0;
    while (queue.length > 0 && (batch.length === 0 || rows + (queue[0] as Entry).rows <= o.maxRows)) {
      const e = queue.shift() as Entry;
      batch.push(e);
      rows += e.rows;
    }
    queuedRows -= rows;
    return batch;
  }

  /** Writes the entries together; on failure retries, splits or dead-letters (see the header). */
  async function runBatch(batch: Entry[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      try {
        const counts = await write(batchOf(batch.map((e) => e.unit)));
        committed(batch, counts, started);
        for (const e of batch) e.resolve({ stored: true });
        return;
      } catch (err) {
        const transient = isTransientDbError(err);
        if (batch.length > 1 && (!transient || attempt >= maxAttempts)) return split(batch, err);
        const single = batch[0] as Entry;
        if (!transient) return deadLetterUntilStored(single, 'db_rejected', err, attempt);
        if (attempt >= maxAttempts && (await tryDeadLetter(single, 'write_failed', err, attempt))) return;
        stats.retries++;
        o.onRetry?.(err, attempt);
        log.warn({ err: (err as Error).message, code: codeOf(err), attempt }, 'batch write failed; retrying');
        if (stopped && attempt >= 3) {
          for (const e of batch) e.reject(new Error('writer stopped before the batch could be written'));
          return;
        }
        await sleep(retryDelayMs(attempt, o.retryMaxMs));
      }
    }
  }

  /** `offered`: the batch's readings (none when a dead letter took a message's place). */
  function committed(batch: Entry[], counts: WriteCounts, started: number, offered = batch.reduce((n, e) => n + e.unit.readings.length, 0)): void {
    stats.batches++;
    stats.rowsOffered += offered;
    stats.rowsInserted += counts.readings;
    stats.lastCommitAt = new Date().toISOString();
    o.onCommit?.({ units: batch.length, rows: batch.reduce((n, e) => n + e.rows, 0), counts, ms: Date.now() - started });
  }

  function batchOf(units: WriteUnit[]): Batch {
    const topics = new Map<string, string>();
    for (const u of units) for (const r of u.readings) topics.set(readingKey(r), u.source.topic);
    return {
      readings: units.flatMap((u) => u.readings),
      events: units.flatMap((u) => u.events),
      deadLetters: units.flatMap((u) => u.deadLetters),
      topics,
    };
  }

  async function split(batch: Entry[], cause: unknown): Promise<void> {
    log.error({ err: (cause as Error).message, code: codeOf(cause), messages: batch.length }, 'batch failed; writing its messages one by one');
    for (const e of batch) await runBatch([e]);
  }

  /** The message's raw payload as a dead letter in place of its rows; false if the database took nothing. */
  async function tryDeadLetter(e: Entry, reason: DeadLetterReason, cause: unknown, attempts: number): Promise<boolean> {
    const details = { message: (cause as Error).message, code: codeOf(cause), attempts };
    const dl: DeadLetter = { ...e.unit.source, reason, details, meterSerial: null };
    const started = Date.now();
    try {
      const counts = await write({ readings: [], events: [], deadLetters: [dl] });
      committed([e], counts, started, 0);
      log.error({ topic: dl.topic, reason, ...details }, 'message dead-lettered in place of its rows');
      e.resolve({ stored: false, reason });
      return true;
    } catch (err) {
      log.warn({ err: (err as Error).message, code: codeOf(err) }, 'dead letter not written either');
      return false;
    }
  }

  async function deadLetterUntilStored(e: Entry, reason: DeadLetterReason, cause: unknown, attempts: number): Promise<void> {
    for (let attempt = 1; !(await tryDeadLetter(e, reason, cause, attempts)); attempt++) {
      stats.retries++;
      if (stopped && attempt >= 3) return e.reject(new Error('writer stopped before the dead letter could be written'));
      await sleep(retryDelayMs(attempt, o.retryMaxMs));
    }
  }

  /** Resolves when the queue is below its bound (back-pressure for producers). */
  function waitForCapacity(): Promise<void> {
    if (queuedRows < o.queueMaxRows) return Promise.resolve();
    return new Promise((resolve) => capacityWaiters.push(resolve));
  }

  function releaseCapacity(): void {
    while (queuedRows < o.queueMaxRows && capacityWaiters.length > 0) capacityWaiters.shift()?.();
  }

  /** Writes everything queued now and waits for it. */
  async function flush(): Promise<void> {
    while (queue.length > 0 || running.size > 0) {
      kick();
      await Promise.race(running);
    }
  }

  async function stop(): Promise<void> {
    stopped = true;
    await flush();
    if (timer) clearTimeout(timer);
  }

  return {
    submit,
    flush,
    stop,
    waitForCapacity,
    stats: (): WriterStats => ({ ...stats, queuedUnits: queue.length, queuedRows }),
    queuedRows: (): number => queuedRows,
  };
}

export type BatchWriter = ReturnType<typeof createBatchWriter>;

/** Exponential back-off from 100 ms, capped at `maxMs`: shared by every ingest retry. */
export function retryDelayMs(attempt: number, maxMs: number): number {
  return Math.min(maxMs, 50 * 2 ** Math.min(attempt, 16));
}

const codeOf = (err: unknown): string | null => {
  const c = (err as { code?: unknown })?.code;
  return typeof c === 'string' ? c : null;
};

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
