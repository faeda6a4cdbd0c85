/**
 * One message → one write unit: parse (pure), look up meter states (cache) and the stored
 * neighbours of late register snapshots, validate (pure), and turn every rejection into a dead
 * letter. Nothing here writes; the batch writer does, and the accepted register values move the
 * cached state only in the unit's `afterCommit`.
 */
import type { MeterCache } from './meter-cache.js';
import { createMessageParser, type DeadLetter, type ParsedMeter, type ParseOptions } from './message-parse.js';
import type { MeterPayload } from './payload-schema.js';
import {
  applyRegisterUpdates,
  neighbourKey,
  validateMeterPayload,
  type MeterState,
  type RegisterNeighbours,
  type ValidationContext,
  type ValidationResult,
} from './validate.js';
import type { WriteUnit } from './batch-writer.js';

const INSTALLATION_REASONS = new Set(['before_installation', 'not_installed']);

export interface ProcessorOptions extends ParseOptions {
  cache: Pick<MeterCache, 'getMany'>;
  maxFutureSkewMs: number;
  now: () => number;
  /** Stored values around `at` per channel (ingest-repository loadRegisterNeighbours). */
  neighbours?: (meterId: number, channels: string[], at: number) => Promise<Map<string, RegisterNeighbours>>;
}

export function createMessageProcessor(o: ProcessorOptions) {
  const parseMessage = createMessageParser(o);
  return async function process(topic: string, payload: Buffer): Promise<WriteUnit> {
    const parsed = parseMessage(topic, payload);
    const unit: WriteUnit = { readings: [], events: [], deadLetters: parsed.deadLetters, source: { topic, payload } };
    if (parsed.unknownFields?.length) unit.unknownFields = parsed.unknownFields;
    if (parsed.meters.length === 0) return unit;
    let states = await o.cache.getMany(parsed.meters.map((m) => m.serial));
    // Unknown or not-installed-then may be news the cache has not seen: reload stale entries once.
    const needsRefresh = parsed.meters.some((m) => states.get(m.serial) === null);
    if (needsRefresh) states = await o.cache.getMany(parsed.meters.map((m) => m.serial), true);
    const updates: Array<() => void> = [];
    for (const m of parsed.meters) {
      let state = states.get(m.serial);
      if (!state) {
        unit.deadLetters.push(itemDeadLetter(topic, payload, m, 'unknown_meter', `no meter with serial ${m.serial}`));
        continue;
      }
      let result = await validate(m.payload, state);
      if (result.rejections.some((r) => INSTALLATION_REASONS.has(r.reason))) {
        const fresh = (await o.cache.getMany([m.serial], true)).get(m.serial);
        if (fresh && fresh !== state) [state, result] = [fresh, await validate(m.payload, fresh)];
      }
      addResult(unit, topic, m, result);
      const [s, regs] = [state, result.registers];
      if (regs.length > 0) updates.push(() => applyRegisterUpdates(s, regs));
    }
    if (updates.length > 0) unit.afterCommit = () => updates.forEach((u) => u());
    return unit;
  };

  async function validate(p: MeterPayload, state: MeterState): Promise<ValidationResult> {
    const ctx: ValidationContext = { now: o.now(), maxFutureSkewMs: o.maxFutureSkewMs, neighbours: await lateNeighbours(p, state) };
    return validateMeterPayload(p, state, ctx);
  }

  /** Stored neighbours of each snapshot older than a value the cache knows (rare: late or redelivered data). */
  async function lateNeighbours(p: MeterPayload, state: MeterState): Promise<Map<string, RegisterNeighbours>> {
    const out = new Map<string, RegisterNeighbours>();
    if (!o.neighbours) return out;
    for (const snap of p.registers ?? []) {
      const at = Date.parse(snap.at);
      const channels = Object.keys(snap.values ?? {}).filter((ch) => (state.registers.get(ch)?.ts ?? -Infinity) > at);
      if (channels.length === 0) continue;
      for (const [ch, n] of await o.neighbours(state.meterId, channels, at)) out.set(neighbourKey(ch, at), n);
    }
    return out;
  }
}

function addResult(unit: WriteUnit, topic: string, m: ParsedMeter, r: ValidationResult): void {
  unit.readings.push(...r.readings);
  unit.events.push(...r.events);
  for (const rej of r.rejections) {
    unit.deadLetters.push({
      topic,
      payload: Buffer.from(JSON.stringify(rej.data)),
      reason: rej.reason,
      details: { message: rej.message, item: m.path ? `${m.path}.${rej.item}` : rej.item },
      meterSerial: m.serial,
    });
  }
}

function itemDeadLetter(topic: string, raw: Buffer, m: ParsedMeter, reason: DeadLetter['reason'], message: string): DeadLetter {
  // A meter topic's whole message is this meter's; in a batch only the meter's element is kept.
  const payload = m.path === '' ? raw : Buffer.from(JSON.stringify(m.payload));
  return { topic, payload, reason, details: { message, ...(m.path ? { item: m.path } : {}) }, meterSerial: m.serial };
}
