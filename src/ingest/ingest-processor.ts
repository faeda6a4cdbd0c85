/**
 * One message → one write unit: parse (pure), look up meter states (cache), validate (pure),
 * and turn every rejection into a dead letter. Nothing here writes; the batch writer does.
 */
import type { MeterCache } from './meter-cache.js';
import { createMessageParser, type DeadLetter, type ParsedMeter, type ParseOptions } from './message-parse.js';
import { validateMeterPayload, type ValidationContext, type ValidationResult } from './validate.js';
import type { WriteUnit } from './batch-writer.js';

const INSTALLATION_REASONS = new Set(['before_installation', 'not_installed']);

export interface ProcessorOptions extends ParseOptions {
  cache: Pick<MeterCache, 'getMany'>;
  maxFutureSkewMs: number;
  now: () => number;
}

export function createMessageProcessor(o: ProcessorOptions) {
  const parseMessage = createMessageParser(o);
  return async function process(topic: string, payload: Buffer): Promise<WriteUnit> {
    const parsed = parseMessage(topic, payload);
    const unit: WriteUnit = { readings: [], events: [], deadLetters: parsed.deadLetters, source: { topic, payload } };
    if (parsed.meters.length === 0) return unit;
    let states = await o.cache.getMany(parsed.meters.map((m) => m.serial));
    // Unknown or not-installed-then may be news the cache has not seen: reload stale entries once.
    const needsRefresh = parsed.meters.some((m) => states.get(m.serial) === null);
    if (needsRefresh) states = await o.cache.getMany(parsed.meters.map((m) => m.serial), true);
    const ctx: ValidationContext = { now: o.now(), maxFutureSkewMs: o.maxFutureSkewMs };
    for (const m of parsed.meters) {
      const state = states.get(m.serial);
      if (!state) {
        unit.deadLetters.push(itemDeadLetter(topic, payload, m, 'unknown_meter', `no meter with serial ${m.serial}`));
        continue;
      }
      let result = validateMeterPayload(m.payload, state, ctx);
      if (result.rejections.some((r) => INSTALLATION_REASONS.has(r.reason))) {
        const fresh = (await o.cache.getMany([m.serial], true)).get(m.serial);
        if (fresh && fresh !== state) result = validateMeterPayload(m.payload, fresh, ctx);
      }
      addResult(unit, topic, m, result);
    }
    return unit;
  };
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
