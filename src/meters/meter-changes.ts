/**
 * Installation changes announced to every instance, so the ingest meter caches drop what they
 * know of the meters concerned (issue 8 #24). On PostgreSQL: `pg_notify` inside the transaction
 * of the change, so the notice is delivered exactly when (and only if) the change commits, to every
 * instance that LISTENs. The embedded database has one process: the service's own callback does it.
 */
import { sql, type Transaction } from 'kysely';
import type pg from 'pg';
import type { Database } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';

export const METER_CHANGES_CHANNEL = 'meterbill_meter_changes';

/** Serials never contain commas (SERIAL_PATTERN in src/readings/reading-schema.ts), so a comma-joined list is unambiguous. */
export async function notifyMeterChange(trx: Transaction<Database>, serials: string[]): Promise<void> {
  await sql`select pg_notify(${METER_CHANGES_CHANNEL}, ${serials.join(',')})`.execute(trx);
}

export interface MeterChangeListener {
  /** Settles once the first LISTEN is in place (or has failed and a retry is scheduled). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * LISTENs on a dedicated connection of the pool. `onChange(null)` means "notices may have been
 * missed" (connection lost): the caller forgets everything. Reconnects with a bounded back-off.
 */
export function listenMeterChanges(pool: pg.Pool, onChange: (serials: string[] | null) => void, log: Logger): MeterChangeListener {
  let client: pg.PoolClient | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;

  const onNotice = (n: pg.Notification) => {
    if (n.channel === METER_CHANGES_CHANNEL) onChange(n.payload ? n.payload.split(',') : null);
  };

  async function connect(): Promise<void> {
    try {
      const c = await pool.connect();
      c.on('notification', onNotice);
      c.on('error', (err) => lost(c, err));
      await c.query(`LISTEN ${METER_CHANGES_CHANNEL}`);
      if (closed) return void c.release(true);
      client = c;
      attempt = 0;
      onChange(null); // changes made while not listening are unknown
    } catch (err) {
      retry(err);
    }
  }

  function lost(c: pg.PoolClient, err: unknown): void {
    if (client !== c) return;
    client = undefined;
    c.release(true);
    onChange(null);
    retry(err);
  }

  function retry(err: unknown): void {
    if (closed) return;
    attempt++;
    log.warn({ err, attempt }, 'meter change listener lost its connection; retrying');
    timer = setTimeout(() => void connect(), Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)));
  }

  return {
    ready: connect(),
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      if (c) {
        await c.query(`UNLISTEN ${METER_CHANGES_CHANNEL}`).catch(() => undefined);
        c.release();
      }
    },
  };
}
