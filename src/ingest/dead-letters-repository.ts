/**
 * Dead letters for operators: lists carry a bounded preview of the payload (the first
 * PREVIEW_BYTES and the size, cut in SQL so a 1 MB payload is never read for a list); the full
 * payload is served one letter at a time. Filters: reason, serial, gateway, time range.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../lib/errors.js';
import { decodeCursor, encodeCursor } from '../lib/pagination.js';
import { gatewayTopic } from './topics.js';

type Db = Kysely<Database> | Transaction<Database>;

export const PREVIEW_BYTES = 512;

export interface DeadLetterFilter {
  ids?: number[] | undefined;
  reason?: string | undefined;
  serial?: string | undefined;
  gateway?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text when the bytes are UTF-8 (a preview cut inside a character drops that character). */
export function payloadText(b: Buffer, cut = false): { payload: string; payloadEncoding: 'utf8' | 'base64' } {
  for (let drop = 0; drop <= (cut ? 3 : 0) && drop < b.length; drop++) {
    try {
      return { payload: utf8.decode(b.subarray(0, b.length - drop)), payloadEncoding: 'utf8' };
    } catch {
      // try without the last bytes of a character split by the preview cut
    }
  }
  if (b.length === 0) return { payload: '', payloadEncoding: 'utf8' };
  return { payload: b.toString('base64'), payloadEncoding: 'base64' };
}

function filtered(db: Db, f: DeadLetterFilter, prefix: string) {
  let q = db.selectFrom('dead_letters');
  if (f.ids) q = q.where('id', 'in', f.ids.length ? f.ids : [0]);
  if (f.reason) q = q.where('reason', '=', f.reason);
  if (f.serial) q = q.where('meter_serial', '=', f.serial);
  if (f.gateway) q = q.where('topic', '=', gatewayTopic(prefix, f.gateway));
  if (f.from) q = q.where('received_at', '>=', new Date(f.from));
  if (f.to) q = q.where('received_at', '<', new Date(f.to));
  return q;
}

const COMMON = ['id', 'received_at', 'topic', 'reason', 'meter_serial', 'details', 'replayed_at', 'replay_outcome', 'replay_details'] as const;

interface CommonRow {
  id: number;
  received_at: Date;
  topic: string;
  reason: string;
  meter_serial: string | null;
  details: Record<string, unknown> | null;
  replayed_at: Date | null;
  replay_outcome: string | null;
  replay_details: Record<string, unknown> | null;
}

function common(r: CommonRow) {
  return {
    id: Number(r.id),
    receivedAt: new Date(r.received_at).toISOString(),
    topic: r.topic,
    reason: r.reason,
    meterSerial: r.meter_serial,
    details: r.details ?? null,
    replay: r.replayed_at ? { at: new Date(r.replayed_at).toISOString(), outcome: r.replay_outcome ?? '', details: r.replay_details ?? null } : null,
  };
}

/** Newest first, keyset-paginated; payloads as previews. */
export async function listDeadLetters(db: Db, f: DeadLetterFilter, page: { limit: number; cursor?: string | undefined }, prefix: string) {
  const before = decodeCursor(page.cursor);
  let q = filtered(db, f, prefix).select([
    ...COMMON,
    sql<Buffer>`substring(payload from 1 for ${PREVIEW_BYTES})`.as('preview'),
    sql<number>`octet_length(payload)`.as('bytes'),
  ]);
  if (before !== undefined) q = q.where('id', '<', before);
  const rows = await q.orderBy('id', 'desc').limit(page.limit + 1).execute();
  const items = rows.slice(0, page.limit).map((r) => {
    const bytes = Number(r.bytes);
    const truncated = bytes > PREVIEW_BYTES;
    const { payload, payloadEncoding } = payloadText(Buffer.from(r.preview), truncated);
    return { ...common(r), payload, payloadEncoding, payloadBytes: bytes, payloadTruncated: truncated };
  });
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.id) : null };
}

/** One letter with its whole payload. */
export async function getDeadLetter(db: Db, id: number) {
  const r = await db.selectFrom('dead_letters').select([...COMMON, 'payload']).where('id', '=', id).executeTakeFirst();
  if (!r) throw new NotFoundError(`no dead letter ${id}`);
  const payload = Buffer.from(r.payload);
  return { ...common(r), ...payloadText(payload), payloadBytes: payload.length, raw: payload };
}

/** Ids of letters to replay, oldest first; letters already replayed with everything stored are skipped. */
export async function replayCandidates(db: Db, f: DeadLetterFilter, limit: number, prefix: string): Promise<number[]> {
  const rows = await filtered(db, f, prefix)
    .select('id')
    .where((eb) => eb.or([eb('replay_outcome', 'is', null), eb('replay_outcome', '!=', 'stored')]))
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.id));
}

/** Locks one letter for its replay; undefined when gone, stored already or being replayed elsewhere. */
export async function lockForReplay(trx: Transaction<Database>, id: number) {
  return trx
    .selectFrom('dead_letters')
    .select(['id', 'topic', 'payload', 'reason', 'details', 'meter_serial'])
    .where('id', '=', id)
    .where((eb) => eb.or([eb('replay_outcome', 'is', null), eb('replay_outcome', '!=', 'stored')]))
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
}

export async function markReplayed(trx: Transaction<Database>, id: number, at: Date, outcome: string, details: Record<string, unknown>): Promise<void> {
  await trx
    .updateTable('dead_letters')
    .set({ replayed_at: at, replay_outcome: outcome, replay_details: JSON.stringify(details) })
    .where('id', '=', id)
    .execute();
}
