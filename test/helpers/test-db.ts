/**
 * An isolated, migrated database for one test file.
 * - TEST_DATABASE_URL set: a fresh schema on that server (dropped at close).
 * - otherwise: an in-memory embedded PGlite (plain tables), copied from the migrated template.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { connectDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { timescaleState } from '../../src/db/timescale.js';
import type { Database } from '../../src/db/schema.js';

export interface TestDatabase {
  db: Kysely<Database>;
  handle: DatabaseHandle;
  backend: DatabaseHandle['backend'];
  /** The schema used on a server; undefined when embedded. */
  schema: string | undefined;
  close(): Promise<void>;
}

export const serverUrl = process.env.TEST_DATABASE_URL || undefined;

export async function createTestDatabase(opts: { migrate?: boolean; url?: string | undefined } = {}): Promise<TestDatabase> {
  const url = opts.url === undefined ? serverUrl : opts.url;
  const schema = url ? `t_${randomBytes(5).toString('hex')}` : undefined;
  const handle = await connectDatabase({
    databaseUrl: url,
    poolMax: 4,
    ...(schema ? { schema } : { embeddedTemplate: embeddedTemplate(opts.migrate !== false) }),
  });
  if (opts.migrate !== false) await migrateToLatest(handle.db);
  return {
    db: handle.db,
    handle,
    backend: handle.backend,
    schema,
    close: async () => {
      if (schema) await dropSchema(handle.db, schema);
      await handle.close();
    },
  };
}

const templates: { migrated?: Uint8Array; empty?: Uint8Array } = {};

/** The embedded database built once by test/global-setup.ts, migrated or not (a fresh database). */
export function embeddedTemplate(migrated: boolean): Uint8Array {
  if (migrated) return (templates.migrated ??= new Uint8Array(readFileSync(inject('embeddedTemplatePath'))));
  return (templates.empty ??= new Uint8Array(readFileSync(inject('embeddedEmptyTemplatePath'))));
}

/**
 * Drops a test schema. On TimescaleDB its policies' background jobs may be running right now
 * (they start when created) and take locks the drop needs: remove the jobs first, each in its own
 * transaction — deleting several in one transaction holds the job-stat lock of the first while
 * waiting for a running one, which deadlocked with that job and the scheduler (the scheduler lost
 * and, with TimescaleDB's default restart setting, never came back: no job of the database ran
 * again until PostgreSQL restarted). A deadlock left is retried a few times.
 * Never touches the extension (created once, outside test schemas), and reads no TimescaleDB view
 * unless it is preloaded (on a server that lost its preload, some of them end the session).
 */
async function dropSchema(db: Kysely<Database>, schema: string): Promise<void> {
  const ts = await timescaleState(db);
  const jobs =
    ts.preloaded && ts.schema !== undefined
      ? (await sql<{ id: number }>`select job_id as id from timescaledb_information.jobs where hypertable_schema = ${schema}`.execute(db)).rows
      : [];
  for (const { id } of jobs) await retryDeadlock(() => sql`select ${sql.id(ts.schema as string)}.delete_job(${id}::int)`.execute(db));
  await retryDeadlock(() => sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db));
}

async function retryDeadlock(run: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run();
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}
