/**
 * Once per `npm test`:
 * - with TEST_DATABASE_URL: fail fast, with a clear message, if the server is unreachable;
 * - embedded: build one PGlite database and dump it before and after migrating, so each test file
 *   starts from a copy (~1-2 s) instead of creating (and migrating) its own (5 s idle, a minute on
 *   a loaded machine).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Kysely } from 'kysely';
import type { TestProject } from 'vitest/node';
import { dumpEmbedded, openEmbedded } from '../src/db/embedded.js';
import { migrateToLatest } from '../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    embeddedTemplatePath: string;
    embeddedEmptyTemplatePath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) await checkServer(url);
  const dir = mkdtempSync(path.join(tmpdir(), 'meterbill-test-'));
  const file = path.join(dir, 'template.tar');
  const empty = path.join(dir, 'empty.tar');
  const embedded = await openEmbedded(undefined);
  // Also the database before migrations: PGlite's initdb costs 5-60 s of CPU, so tests of a fresh
  // (unmigrated) database start from this copy too.
  writeFileSync(empty, await dumpEmbedded(embedded));
  const db = new Kysely<unknown>({ dialect: embedded.dialect });
  await migrateToLatest(db);
  writeFileSync(file, await dumpEmbedded(embedded));
  await db.destroy();
  project.provide('embeddedTemplatePath', file);
  project.provide('embeddedEmptyTemplatePath', empty);
  return () => rmSync(dir, { recursive: true, force: true });
}

async function checkServer(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Error(`TEST_DATABASE_URL=${url} is not reachable: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
