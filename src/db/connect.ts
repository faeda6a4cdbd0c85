import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { openEmbedded } from './embedded.js';

export type Backend = 'postgres' | 'embedded';

export interface DatabaseHandle {
  db: Kysely<Database>;
  backend: Backend;
  /** node-postgres pool, when on a server (bulk COPY paths use it directly). */
  pool?: pg.Pool;
  close(): Promise<void>;
}

export interface ConnectOptions {
  databaseUrl?: string | undefined;
  /** Embedded data folder; undefined → in-memory (tests). */
  dataDir?: string | undefined;
  poolMax?: number;
  /** Client-side bound on one query (server only); default 120 s. */
  queryTimeoutMs?: number;
  /** Embedded only: start from this dump (see dumpEmbedded). */
  embeddedTemplate?: Uint8Array;
  /** Schema to put first on the search_path (test isolation on a shared server). */
  schema?: string;
}

const INT8_OID = 20;

/** int8 as number on both drivers (PGlite already does); ids and counts stay far below 2^53. */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export async function connectDatabase(opts: ConnectOptions): Promise<DatabaseHandle> {
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) {
    throw new Error(`invalid schema name ${JSON.stringify(opts.schema)}`);
  }
  if (opts.databaseUrl) return connectServer(opts.databaseUrl, opts);
  const embedded = await openEmbedded(opts.dataDir, opts.embeddedTemplate);
  const db = new Kysely<Database>({ dialect: embedded.dialect });
  if (opts.schema) await setSearchPath(db, opts.schema);
  return { db, backend: 'embedded', close: () => db.destroy() };
}

async function connectServer(url: string, opts: ConnectOptions): Promise<DatabaseHandle> {
  if (opts.schema) await createSchema(url, opts.schema);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolMax ?? 10,
    // Never wait for ever: a refused or hung connection must surface as an error the callers
    // (the ingest writer, the API) can retry or report. TCP keepalive finds half-open sockets.
    connectionTimeoutMillis: 10_000,
    query_timeout: opts.queryTimeoutMs ?? 120_000,
    keepAlive: true,
    types: pgTypes as never,
    ...(opts.schema ? { options: `-c search_path=${opts.schema},public` } : {}),
  });
  // A client losing its server (restart, failover, network) must not crash the process: pg-pool
  // handles idle clients' errors itself ('error' on the pool) but a checked-out client (Kysely's,
  // between two queries of a transaction) emits 'error' with no listener. The failure still
  // reaches the caller through its next query, and pg-pool discards the broken client on release.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => void client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, backend: 'postgres', pool, close: () => db.destroy() };
}

async function createSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`create schema if not exists "${schema}"`);
  } finally {
    await client.end();
  }
}

async function setSearchPath(db: Kysely<Database>, schema: string): Promise<void> {
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  await sql.raw(`set search_path to "${schema}", public`).execute(db);
}

/** TimescaleDB detection lives in ./timescale.ts; re-exported for existing callers. */
export { hasTimescale } from './timescale.js';
