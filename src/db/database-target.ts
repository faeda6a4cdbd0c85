/**
 * Which database a configuration points at, said plainly for people: one-shot commands print it
 * so an operator never migrates or creates a key in the wrong database. Never the password (nor
 * query parameters, which may carry one).
 */
import path from 'node:path';

export interface DatabaseTarget {
  databaseUrl?: string | undefined;
  dataDir: string;
}

/** The embedded database's folder inside DATA_DIR. */
export function embeddedDir(dataDir: string): string {
  return path.join(dataDir, 'pg');
}

export function describeDatabase(t: DatabaseTarget): string {
  if (!t.databaseUrl) return `embedded PostgreSQL (PGlite) in ${embeddedDir(t.dataDir)}`;
  let url: URL;
  try {
    url = new URL(t.databaseUrl);
  } catch {
    return 'PostgreSQL server (unparsable DATABASE_URL)';
  }
  const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
  const host = url.hostname || 'localhost';
  const port = url.port ? `:${url.port}` : '';
  const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
  return `PostgreSQL server ${user}${host}${port}, database ${name}`;
}
