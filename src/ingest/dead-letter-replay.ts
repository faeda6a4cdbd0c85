/**
 * Dead-letter replay (issue 8 #7): a letter goes through the same parse and validation as a live
 * message (createMessageProcessor) and the same batch insert (writeBatch), in one transaction with
 * the mark that records the outcome. Idempotent: readings and events are keyed, a letter whose
 * replay stored everything is never replayed again, and a replay that is refused again adds no
 * new dead letter — the outcome and the reasons are recorded on the letter itself.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { createMessageProcessor } from './ingest-processor.js';
import { loadMeterStates, writeBatch } from './ingest-repository.js';
import { lockForReplay, markReplayed, replayCandidates, type DeadLetterFilter } from './dead-letters-repository.js';
import { meterTopic } from './topics.js';

export interface ReplayDeps {
  db: Kysely<Database>;
  prefix: string;
  maxPayloadBytes: number;
  maxFutureSkewMs: number;
  now: () => Date;
  /** Serials whose stored registers may have changed (the live ingest cache forgets them). */
  onStored?: (serials: string[]) => void;
}

export interface ReplayItem {
  id: number;
  outcome: 'stored' | 'partial' | 'rejected';
  readings: number;
  events: number;
  reasons: string[];
}

const ITEM = /(?:^|\.)(profiles|registers|instant|events)\[\d+\]$/;
const GATEWAY_ITEM = /^meters\[\d+\]$/;

/**
 * The message a letter stands for. Whole messages replay as received. A rejected item of a
 * meter's payload (a profile block, snapshot, sample or event) becomes a one-item payload on that
 * meter's topic; a meter's element of a gateway batch becomes that meter's own message (the
 * element has the shape of a meter payload with its serial).
 */
export function replayMessage(
  l: { topic: string; payload: Buffer; details: Record<string, unknown> | null; meter_serial: string | null },
  prefix: string,
): { topic: string; payload: Buffer } {
  const item = typeof l.details?.item === 'string' ? l.details.item : '';
  const serial = l.meter_serial;
  const kind = ITEM.exec(item)?.[1];
  try {
    if (kind && serial) {
      return { topic: meterTopic(prefix, serial), payload: Buffer.from(JSON.stringify({ serial, [kind]: [JSON.parse(l.payload.toString('utf8'))] })) };
    }
    if (GATEWAY_ITEM.test(item) && serial) return { topic: meterTopic(prefix, serial), payload: l.payload };
  } catch {
    // not JSON after all: replay the bytes as they came, and the parser says why
  }
  return { topic: l.topic, payload: l.payload };
}

export function createDeadLetterReplay(deps: ReplayDeps) {
  /** Validation reads meter state inside the replay's transaction (the embedded database has one connection). */
  function processorFor(trx: Transaction<Database>) {
    return createMessageProcessor({
      prefix: deps.prefix,
      maxPayloadBytes: deps.maxPayloadBytes,
      maxFutureSkewMs: deps.maxFutureSkewMs,
      now: () => deps.now().getTime(),
      cache: {
        getMany: async (serials) => {
          const found = await loadMeterStates(trx, serials);
          return new Map(serials.map((s) => [s, found.get(s) ?? null]));
        },
      },
    });
  }

  async function replayOne(id: number): Promise<ReplayItem | undefined> {
    return deps.db.transaction().execute(async (trx) => {
      const letter = await lockForReplay(trx, id);
      if (!letter) return undefined;
      const msg = replayMessage({ ...letter, payload: Buffer.from(letter.payload) }, deps.prefix);
      const unit = await processorFor(trx)(msg.topic, msg.payload);
      const counts = await writeBatch(trx, { readings: unit.readings, events: unit.events, deadLetters: [] });
      const reasons = [...new Set(unit.deadLetters.map((d) => d.reason))];
      const accepted = unit.readings.length + unit.events.length;
      const outcome = reasons.length === 0 ? 'stored' : accepted > 0 ? 'partial' : 'rejected';
      const item: ReplayItem = { id, outcome, readings: counts.readings, events: counts.events, reasons };
      await markReplayed(trx, id, deps.now(), outcome, { readings: counts.readings, events: counts.events, reasons });
      return item;
    });
  }

  /** Replays up to `limit` letters matching the filter, oldest first; `more` when others remain. */
  async function replay(f: DeadLetterFilter, limit: number) {
    const ids = await replayCandidates(deps.db, f, limit + 1, deps.prefix);
    const items: ReplayItem[] = [];
    const serials = new Set<string>();
    for (const id of ids.slice(0, limit)) {
      const r = await replayOne(id);
      if (!r) continue;
      items.push(r);
    }
    const stored = await storedSerials(items);
    stored.forEach((s) => serials.add(s));
    if (serials.size > 0) deps.onStored?.([...serials]);
    const count = (o: ReplayItem['outcome']) => items.filter((i) => i.outcome === o).length;
    return {
      replayed: items.length,
      stored: count('stored'),
      partial: count('partial'),
      rejected: count('rejected'),
      readings: items.reduce((n, i) => n + i.readings, 0),
      events: items.reduce((n, i) => n + i.events, 0),
      more: ids.length > limit,
      items,
    };
  }

  async function storedSerials(items: ReplayItem[]): Promise<string[]> {
    const ids = items.filter((i) => i.readings + i.events > 0).map((i) => i.id);
    if (ids.length === 0) return [];
    const rows = await deps.db.selectFrom('dead_letters').select('meter_serial').where('id', 'in', ids).execute();
    return [...new Set(rows.map((r) => r.meter_serial).filter((s): s is string => s !== null))];
  }

  return { replay };
}

export type DeadLetterReplay = ReturnType<typeof createDeadLetterReplay>;
