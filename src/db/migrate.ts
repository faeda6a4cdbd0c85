import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { timescaleState } from './timescale.js';

/** The frozen migration files at the top level `migrations/`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** The `NNNN_name.ts|js` files of the folder, in name order. */
async function migrationFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')).sort();
}

/** Loads every `NNNN_name.ts|js` in the folder, in name order. */
export function folderMigrationProvider(dir = MIGRATIONS_DIR): MigrationProvider {
  return {
    async getMigrations() {
      const files = await migrationFiles(dir);
      const migrations: Record<string, Migration> = {};
      for (const file of files) {
        const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as Migration;
        migrations[file.replace(/\.(ts|js)$/, '')] = mod;
      }
      return migrations;
    },
  };
}

export interface MigrateOutcome {
  applied: string[];
}

/**
 * Brings the schema to the latest migration. Idempotent: a second run applies nothing.
 * Kysely's migrator takes a lock, so two instances starting together do not race.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>): Promise<MigrateOutcome> {
  await refuseUnloadedTimescale(db);
  // Pin Kysely's bookkeeping tables to the current schema: its existence check looks at table
  // names across all schemas, which confuses it when several schemas hold a migrated copy.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema ?? 'public';
  if (await upToDate(db, schema)) return { applied: [] };
  const migrator = new Migrator({ db, provider: folderMigrationProvider(), migrationTableSchema: schema });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely looks for its bookkeeping tables by listing every table of the database; a schema
  // dropped meanwhile by another process (parallel test files, a tenant removed) makes that list
  // fail with 42P01 before any migration ran. That is transient: look again, a few times.
  for (let attempt = 1; error && isIntrospectionRace(error, results) && attempt <= 3; attempt++) {
    await new Promise((r) => setTimeout(r, 100 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) throw new MigrationError(results, error);
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/**
 * True when the bookkeeping table records exactly the migration files (names only; the files are
 * not imported). The common start of an existing installation then costs one query instead of
 * Kysely's introspection, lock and the import of every migration (about 2 s of `npm start` on the
 * embedded database). Anything else — a pending file, a recorded name without its file — goes to
 * the migrator, which applies or reports it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function upToDate(db: Kysely<any>, schema: string): Promise<boolean> {
  const table = `${schema}.${DEFAULT_MIGRATION_TABLE}`;
  const { rows: exists } = await sql<{ on: boolean }>`select to_regclass(${`"${schema.replace(/"/g, '""')}"."${DEFAULT_MIGRATION_TABLE}"`}) is not null as on`.execute(db);
  if (!exists[0]?.on) return false;
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(table)}`.execute(db);
  const recorded = new Set(rows.map((r) => r.name));
  const files = (await migrationFiles(MIGRATIONS_DIR)).map((f) => f.replace(/\.(ts|js)$/, ''));
  return files.length === recorded.size && files.every((f) => recorded.has(f));
}

function isIntrospectionRace(error: unknown, results: MigrationResultSet['results']): boolean {
  return (error as { code?: string }).code === '42P01' && !(results ?? []).some((r) => r.status === 'Error' || r.status === 'Success');
}

export class MigrationError extends Error {
  constructor(
    readonly results: MigrationResultSet['results'],
    cause: unknown,
  ) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    super(`migration ${failed} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MigrationError';
  }
}

/**
 * TimescaleDB created in this database but its library not preloaded (preload removed, or a
 * restored dump): its event triggers end the session on any DDL (`FATAL: extension "timescaledb"
 * must be preloaded`), so migrating would die half-way with "Connection terminated unexpectedly".
 * Say so before touching anything. (Installed but never created is fine: plain tables, 0001 warns.)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function refuseUnloadedTimescale(db: Kysely<any>): Promise<void> {
  const s = await timescaleState(db);
  if (s.schema !== undefined && !s.preloaded) throw new TimescaleNotPreloadedError();
}

export class TimescaleNotPreloadedError extends Error {
  constructor() {
    super(
      'TimescaleDB is created in this database but not in shared_preload_libraries: PostgreSQL ends every session that ' +
        "changes the schema or writes to a hypertable. Add 'timescaledb' to shared_preload_libraries and restart PostgreSQL, " +
        'then migrate again (nothing was changed).',
    );
    this.name = 'TimescaleNotPreloadedError';
  }
}
