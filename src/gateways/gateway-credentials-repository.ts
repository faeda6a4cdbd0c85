import type { Kysely, Selectable } from 'kysely';
import type { Database, GatewayCredentialsTable } from '../db/schema.js';

export interface GatewayCredentialRecord {
  id: number;
  gatewayId: string;
  passwordHash: string;
  meters: string[];
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

function toRecord(r: Selectable<GatewayCredentialsTable>): GatewayCredentialRecord {
  return {
    id: r.id,
    gatewayId: r.gateway_id,
    passwordHash: r.password_hash,
    meters: r.meters,
    label: r.label,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

type Db = Kysely<Database>;

export async function insertCredential(db: Db, c: { gatewayId: string; passwordHash: string; meters: string[]; label: string | null }): Promise<GatewayCredentialRecord> {
  const row = await db
    .insertInto('gateway_credentials')
    .values({ gateway_id: c.gatewayId, password_hash: c.passwordHash, meters: c.meters, label: c.label })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

export async function findActiveCredential(db: Db, gatewayId: string): Promise<GatewayCredentialRecord | undefined> {
  const row = await db.selectFrom('gateway_credentials').selectAll().where('gateway_id', '=', gatewayId).where('revoked_at', 'is', null).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** A page by id; `gatewayId` narrows to one gateway; `activeOnly` leaves revoked ones out. */
export async function listCredentials(db: Db, q: { afterId?: number | undefined; limit: number; gatewayId?: string | undefined; activeOnly?: boolean }): Promise<GatewayCredentialRecord[]> {
  let query = db.selectFrom('gateway_credentials').selectAll().orderBy('id').limit(q.limit);
  if (q.afterId !== undefined) query = query.where('id', '>', q.afterId);
  if (q.gatewayId !== undefined) query = query.where('gateway_id', '=', q.gatewayId);
  if (q.activeOnly) query = query.where('revoked_at', 'is', null);
  return (await query.execute()).map(toRecord);
}

export async function revokeCredential(db: Db, id: number, at: Date): Promise<GatewayCredentialRecord | undefined> {
  const row = await db
    .updateTable('gateway_credentials')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

export async function revokeActiveForGateway(db: Db, gatewayId: string, at: Date): Promise<number> {
  const r = await db.updateTable('gateway_credentials').set({ revoked_at: at }).where('gateway_id', '=', gatewayId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function touchCredential(db: Db, id: number, at: Date): Promise<void> {
  await db.updateTable('gateway_credentials').set({ last_used_at: at }).where('id', '=', id).execute();
}
