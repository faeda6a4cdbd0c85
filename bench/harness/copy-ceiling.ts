/**
 * The ceiling bench:ingest compares the ingester with: plain COPY of the workload's rows into the
 * same table, with the parallelism the ingester writes with — INGEST_WRITERS COPY streams at
 * once, each on its own connection, the rows dealt out between them in 1 MB chunks (issue 14: a
 * single stream against several writers flattered the ratio). Timed over rounds; the table is
 * truncated and checkpointed after each.
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { configSchema } from '../../src/config/config-schema.js';
import { copyLines, type Workload } from './workload.js';
import type { FreshDatabase } from './fresh-database.js';

export interface CopyCeiling {
  rows: number;
  streams: number;
  /** rows/s per round, in order */
  rounds: number[];
  best: number;
  median: number;
}

/** INGEST_WRITERS as the ingester reads it (the same schema and default). */
export function ingestWriters(env: Record<string, string | undefined> = process.env): number {
  return configSchema.shape.INGEST_WRITERS.parse(env.INGEST_WRITERS);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export async function copyCeiling(db: FreshDatabase, w: Workload, o: { streams: number; rounds: number }): Promise<CopyCeiling> {
  // The text is built before the clock starts: the ceiling is the database's, not JSON's.
  const parts: string[][] = Array.from({ length: o.streams }, () => []);
  let buf = '';
  let n = 0;
  for (const line of copyLines(w.payloads, db.meterIds)) {
    buf += line;
    if (buf.length > 1 << 20) {
      parts[n++ % o.streams]?.push(buf);
      buf = '';
    }
  }
  if (buf) parts[n++ % o.streams]?.push(buf);
  const clients = await Promise.all(parts.map(async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    return c;
  }));
  try {
    const rounds: number[] = [];
    let rows = 0;
    for (let r = 0; r < o.rounds; r++) {
      const t0 = performance.now();
      await Promise.all(clients.map((c, i) => pipeline(Readable.from(parts[i] ?? []), c.query(copyFrom('copy readings (meter_id, channel, ts, value, occurred_at) from stdin')))));
      const seconds = (performance.now() - t0) / 1000;
      const [first] = clients as [pg.Client];
      rows = Number((await first.query<{ n: string }>('select count(*) as n from readings')).rows[0]?.n);
      await first.query('truncate readings');
      await first.query('checkpoint');
      rounds.push(Math.round(rows / seconds));
    }
    return { rows, streams: o.streams, rounds, best: Math.max(...rounds), median: Math.round(median(rounds)) };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}
