import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, Database } from '../db/schema.js';
import type { Scope } from '../lib/access.js';

export interface ApiKeyRecord {
  id: number;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: Scope[];
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

function toRecord(r: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    keyHash: r.key_hash,
    scopes: r.scopes as Scope[],
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

export async function insertApiKey(
  db: Kysely<Database>,
  k: { name: string; prefix: string; keyHash: string; scopes: Scope[] },
): Promise<ApiKeyRecord> {
  const row = await db
    .insertInto('api_keys')
    .values({ name: k.name, prefix: k.prefix, key_hash: k.keyHash, scopes: k.scopes })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

export async function findApiKeyByPrefix(db: Kysely<Database>, prefix: string): Promise<ApiKeyRecord | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

export async function listApiKeys(db: Kysely<Database>): Promise<ApiKeyRecord[]> {
  const rows = await db.selectFrom('api_keys').selectAll().orderBy('id').execute();
  return rows.map(toRecord);
}

export async function revokeApiKey(db: Kysely<Database>, id: number, at: Date): Promise<ApiKeyRecord | undefined> {
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

export async function touchApiKey(db: Kysely<Database>, id: number, at: Date): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
}
