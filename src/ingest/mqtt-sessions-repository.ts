/**
 * The recorded persistent MQTT sessions (table `mqtt_sessions`, migration 0006): which client ids
 * an instance uses now, and which it used before and has not yet drained and removed.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface RecordedSession {
  clientId: string;
  instanceId: string;
  shareGroup: string;
  topicPrefix: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  releasedAt: Date | null;
  drainAttempts: number;
  lastError: string | null;
}

export interface CurrentSessions {
  instanceId: string;
  shareGroup: string;
  topicPrefix: string;
  clientIds: readonly string[];
  now: Date;
}

/**
 * Records the client ids in use. A client id is owned by the instance that uses it last: a row
 * moves to this instance and comes back into use (not retired) when it is in the current set.
 */
export async function recordCurrentSessions(db: Kysely<Database>, c: CurrentSessions): Promise<void> {
  if (c.clientIds.length === 0) return;
  await db
    .insertInto('mqtt_sessions')
    .values(c.clientIds.map((id) => ({ client_id: id, instance_id: c.instanceId, share_group: c.shareGroup, topic_prefix: c.topicPrefix, first_seen_at: c.now, last_seen_at: c.now })))
    .onConflict((oc) =>
      oc.column('client_id').doUpdateSet({
        instance_id: (eb) => eb.ref('excluded.instance_id'),
        share_group: (eb) => eb.ref('excluded.share_group'),
        topic_prefix: (eb) => eb.ref('excluded.topic_prefix'),
        last_seen_at: (eb) => eb.ref('excluded.last_seen_at'),
        released_at: null,
        retired_at: null,
        drain_attempts: 0,
        last_error: null,
      }),
    )
    .execute();
}

/** This instance's recorded sessions that are not in the current set and not yet retired. */
export async function outstandingSessions(db: Kysely<Database>, instanceId: string, current: readonly string[]): Promise<RecordedSession[]> {
  let q = db.selectFrom('mqtt_sessions').selectAll().where('instance_id', '=', instanceId).where('retired_at', 'is', null);
  if (current.length > 0) q = q.where('client_id', 'not in', [...current]);
  const rows = await q.orderBy('client_id').execute();
  return rows.map((r) => ({
    clientId: r.client_id,
    instanceId: r.instance_id,
    shareGroup: r.share_group,
    topicPrefix: r.topic_prefix,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    releasedAt: r.released_at,
    drainAttempts: Number(r.drain_attempts),
    lastError: r.last_error,
  }));
}

/** Heartbeat (`released: false`) or graceful stop (`released: true`) of the sessions in use. */
export async function touchSessions(db: Kysely<Database>, instanceId: string, clientIds: readonly string[], now: Date, released: boolean): Promise<void> {
  if (clientIds.length === 0) return;
  await db
    .updateTable('mqtt_sessions')
    .set(released ? { last_seen_at: now, released_at: now } : { last_seen_at: now })
    .where('instance_id', '=', instanceId)
    .where('client_id', 'in', [...clientIds])
    .execute();
}

/** Drained and removed from the broker. Only while still this instance's and outstanding. */
export async function markSessionRetired(db: Kysely<Database>, instanceId: string, clientId: string, drained: number, now: Date): Promise<void> {
  await db
    .updateTable('mqtt_sessions')
    .set({ retired_at: now, drained_messages: sql<number>`drained_messages + ${drained}`, drain_attempts: sql<number>`drain_attempts + 1`, last_error: null })
    .where('client_id', '=', clientId)
    .where('instance_id', '=', instanceId)
    .where('retired_at', 'is', null)
    .execute();
}

/** A drain that did not finish: the session stays outstanding and is tried again. */
export async function markSessionDrainFailed(db: Kysely<Database>, instanceId: string, clientId: string, drained: number, error: string): Promise<void> {
  await db
    .updateTable('mqtt_sessions')
    .set({ drained_messages: sql<number>`drained_messages + ${drained}`, drain_attempts: sql<number>`drain_attempts + 1`, last_error: error.slice(0, 500) })
    .where('client_id', '=', clientId)
    .where('instance_id', '=', instanceId)
    .where('retired_at', 'is', null)
    .execute();
}
