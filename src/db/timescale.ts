/**
 * Is TimescaleDB usable on this connection? Three states matter (README, "TimescaleDB"):
 *  - not installed (CI, most developer machines, the embedded database): plain tables;
 *  - installed, even created in this database, but not in shared_preload_libraries: its functions
 *    end the session (`FATAL: extension "timescaledb" must be preloaded`), so nothing may call them;
 *  - preloaded: hypertables, compression and retention.
 *
 * "Preloaded" is read from pg_settings: the loader library defines `timescaledb.max_background_workers`
 * only when it is loaded, and a server loads it only from shared_preload_libraries (loading it later
 * is that FATAL). Placeholders from postgresql.conf do not appear in pg_settings, and the view is
 * readable by any role — unlike `current_setting('shared_preload_libraries')`, which needs superuser
 * or pg_read_all_settings, and which made `migrate` fail for an ordinary application role.
 */
import { sql, type Kysely } from 'kysely';

export interface TimescaleState {
  /** The loader is in shared_preload_libraries. */
  preloaded: boolean;
  /** Schema holding the extension's functions, when it is created in this database. */
  schema: string | undefined;
  /** Hypertables in the current schema (readings, events, dead letters when migrated with it). */
  hypertables: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function timescaleState(db: Kysely<any>): Promise<TimescaleState> {
  const { rows } = await sql<{ preloaded: boolean; schema: string | null }>`
    select exists(select 1 from pg_settings where name = 'timescaledb.max_background_workers') as preloaded,
      (select extnamespace::regnamespace::text from pg_extension where extname = 'timescaledb') as schema`.execute(db);
  const preloaded = rows[0]?.preloaded ?? false;
  const schema = rows[0]?.schema ?? undefined;
  // The catalog is plain SQL (readable without the library), so this works in every state.
  const hypertables =
    schema === undefined
      ? 0
      : Number(
          (await sql<{ n: number }>`select count(*)::int as n from _timescaledb_catalog.hypertable where schema_name = current_schema()`.execute(db)).rows[0]?.n ?? 0,
        );
  return { preloaded, schema, hypertables };
}

/** True when TimescaleDB is usable here: created in this database and preloaded. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function hasTimescale(db: Kysely<any>): Promise<boolean> {
  const s = await timescaleState(db);
  return s.preloaded && s.schema !== undefined;
}

/**
 * The readiness verdict on the storage engine. Hypertables without the preloaded library is an
 * outage, not a note: every insert into them ends the session (ingest cannot commit anything).
 */
export function timescaleReadiness(s: TimescaleState): string {
  if (s.hypertables > 0 && !s.preloaded) {
    throw new Error(`${s.hypertables} hypertables here but TimescaleDB is not in shared_preload_libraries: every write to them fails`);
  }
  if (s.hypertables > 0) return `ok: ${s.hypertables} hypertables`;
  if (s.schema === undefined) return 'ok: plain tables';
  return s.preloaded ? 'ok: TimescaleDB loaded, plain tables in this schema' : 'ok: plain tables; TimescaleDB is created here but not preloaded, so migrations fail';
}
