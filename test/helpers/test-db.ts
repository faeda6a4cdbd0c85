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
 * (they start when created) and take locks the drop needs: remove the jobs first, and retry a
 * deadlock a few times.
 */
async function dropSchema(db: Kysely<Database>, schema: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`
        do $$ begin
          if to_regclass('timescaledb_information.jobs') is not null then
            perform public.delete_job(job_id) from timescaledb_information.jobs where hypertable_schema = ${sql.lit(schema)};
          end if;
        end $$`.execute(db);
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}
