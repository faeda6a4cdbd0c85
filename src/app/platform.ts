/**
 * What every instance and every one-shot command stands on: configuration, the logger, the clock
 * and one database. Nothing here reads tariff files or touches the broker, so `meterbill migrate`
 * and `meterbill keys …` work whatever state the rest is in.
 */
import type { Config } from '../config/config-schema.js';
import { connectDatabase, type DatabaseHandle } from '../db/connect.js';
import { describeDatabase, embeddedDir } from '../db/database-target.js';
import { migrateToLatest } from '../db/migrate.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { systemClock, type Clock } from '../lib/clock.js';

export interface PlatformOptions {
  log?: Logger;
  clock?: Clock;
  /** Reuse an open database (tests); otherwise one is opened from the config (and closed here). */
  database?: DatabaseHandle;
  /** Progress of the slow steps, for people watching a start (default: info log lines). */
  progress?: (step: string) => void;
}

export interface Platform {
  config: Config;
  log: Logger;
  clock: Clock;
  database: DatabaseHandle;
  db: DatabaseHandle['db'];
  /** `embedded PostgreSQL (PGlite) in ./data/pg`, `PostgreSQL server u@host:5432, database d`. */
  target: string;
  progress: (step: string) => void;
  migrate: () => ReturnType<typeof migrateToLatest>;
  /** Closes the database if it was opened here. */
  close(): Promise<void>;
}

export async function openPlatform(config: Config, opts: PlatformOptions = {}): Promise<Platform> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL, process.stdout.isTTY && config.NODE_ENV !== 'production');
  const progress = opts.progress ?? ((step: string) => log.info(step));
  const target = describeDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  if (!opts.database) progress(`opening ${target}`);
  const database =
    opts.database ??
    (await connectDatabase({ databaseUrl: config.DATABASE_URL, dataDir: embeddedDir(config.DATA_DIR), poolMax: config.DATABASE_POOL_MAX }));
  return {
    config,
    log,
    clock: opts.clock ?? systemClock,
    database,
    db: database.db,
    target,
    progress,
    migrate: () => migrateToLatest(database.db),
    // A database handed in (tests) belongs to the caller; one opened here is closed here.
    close: async () => {
      if (!opts.database) await database.close();
    },
  };
}
