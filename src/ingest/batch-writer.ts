/**
 * The batching writer: units (one per MQTT message: its rows and dead letters) are queued and
 * written together in one transaction; a unit's promise resolves only after that commit, which
 * is when its message is acknowledged. Batches close at `maxRows` rows, after `maxMs`, or as soon
 * as every producer (connection) is waiting. Transient database errors are retried with
 * exponential backoff, forever; a permanent error splits the batch so only the message that
 * fails alone is dead-lettered (`db_rejected`).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import { writeBatch, type WriteCounts } from './ingest-repository.js';
import type { Batch } from './copy-writer.js';
import type { DeadLetter } from './message-parse.js';
import type { EventRow, ReadingRow } from './validate.js';

export interface WriteUnit {
  readings: ReadingRow[];
  events: EventRow[];
  deadLetters: DeadLetter[];
  /** The message, for a `db_rejected` dead letter. */
  source: { topic: string; payload: Buffer };
}

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
  /** Messages accepted and not yet committed (flush as soon as all of them are waiting here). */
  producers: () => number;
  onCommit?: (batch: { units: number; rows: number; counts: WriteCounts; ms: number }) => void;
  onRetry?: (err: unknown, attempt: number) => void;
}

interface Entry {
  unit: WriteUnit;
  rows: number;
  resolve: () => void;
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

const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-3]|40001|40P01|55P03)/;
const TRANSIENT_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Connection-level and server-state errors are worth retrying; data errors are not. */
export function isTransientDbError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && TRANSIENT_NODE.has(code)) return true;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE.test(code);
  // No SQLSTATE: transient when the driver lost or could not get a connection ("Connection
  // terminated", pool timeout); anything else (a TypeError, say) is a defect, not worth retrying.
  return /connect|terminat|timeout|timed out|closed|ended/i.test((err as Error)?.message ?? '');
}

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

  function submit(unit: WriteUnit): Promise<void> {
    if (stopped) return Promise.reject(new Error('writer stopped'));
    const rows = unit.readings.length + unit.events.length + unit.deadLetters.length;
    return new Promise<void>((resolve, reject) => {
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

  async function runBatch(batch: Entry[]): Promise<void> {
    const started = Date.now();
    const counts = await withRetry(() => writeEntries(batch.map((e) => e.unit)), batch);
    if (!counts) return;
    const rows = batch.reduce((n, e) => n + e.rows, 0);
    stats.batches++;
    stats.rowsOffered += batch.reduce((n, e) => n + e.unit.readings.length, 0);
    stats.rowsInserted += counts.readings;
    stats.lastCommitAt = new Date().toISOString();
    o.onCommit?.({ units: batch.length, rows, counts, ms: Date.now() - started });
    for (const e of batch) e.resolve();
  }

  function writeEntries(units: WriteUnit[]): Promise<WriteCounts> {
    return write({
      readings: units.flatMap((u) => u.readings),
      events: units.flatMap((u) => u.events),
      deadLetters: units.flatMap((u) => u.deadLetters),
    });
  }

  /** Retries transient failures forever (unless stopped); splits the batch on a permanent one. */
  async function withRetry(write: () => Promise<WriteCounts>, batch: Entry[], split = true): Promise<WriteCounts | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (err) {
        if (split && !isTransientDbError(err)) return writeOneByOne(batch, err);
        stats.retries++;
        o.onRetry?.(err, attempt);
        log.warn({ err: (err as Error).message, attempt }, 'batch write failed; retrying');
        if (stopped && attempt >= 3) {
          for (const e of batch) e.reject(new Error('writer stopped before the batch could be written'));
          return null;
        }
        await sleep(retryDelayMs(attempt, o.retryMaxMs));
      }
    }
  }

  async function writeOneByOne(batch: Entry[], cause: unknown): Promise<WriteCounts> {
    log.error({ err: (cause as Error).message }, 'batch rejected by the database; writing its messages one by one');
    const total: WriteCounts = { readings: 0, events: 0, deadLetters: 0 };
    for (const e of batch) {
      const c = await withRetry(() => writeEntries([e.unit]).catch((err) => writeRejected(e.unit, err)), [e], false);
      if (!c) continue;
      total.readings += c.readings;
      total.events += c.events;
      total.deadLetters += c.deadLetters;
    }
    return total;
  }

  /** A message the database refuses alone: its raw payload becomes a dead letter (then acked). */
  function writeRejected(unit: WriteUnit, err: unknown): Promise<WriteCounts> {
    if (isTransientDbError(err)) throw err;
    const details = { message: (err as Error).message, code: (err as { code?: string }).code ?? null };
    const dl: DeadLetter = { ...unit.source, reason: 'db_rejected', details, meterSerial: null };
    return o.db.transaction().execute((trx) => writeBatch(trx, { readings: [], events: [], deadLetters: [dl] }));
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

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
