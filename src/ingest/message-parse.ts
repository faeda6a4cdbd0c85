/**
 * First stage of ingestion (pure): bytes + topic → meter payloads to validate, or dead letters.
 * A gateway batch is parsed item by item so one bad meter does not sink the others.
 */
import type { z } from 'zod';
import { gatewayEnvelopeSchema, gatewayMeterSchema, meterPayloadSchema, type MeterPayload } from './payload-schema.js';
import { topicParser, type ParsedTopic } from './topics.js';
import { parseIgnoringUnknown } from './unknown-fields.js';

export const DEAD_LETTER_REASONS = [
  'oversize',
  'not_json',
  'unknown_topic',
  'invalid_payload',
  'serial_mismatch',
  'gateway_mismatch',
  'unknown_meter',
  'before_installation',
  'not_installed',
  'future_timestamp',
  'unknown_channel',
  'wrong_channel_kind',
  'unit_mismatch',
  'register_backwards',
  'register_overflow',
  'unknown_event_code',
  'out_of_range',
  'conflicting_value',
  'db_rejected',
  'write_failed',
  'internal_error',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface DeadLetter {
  topic: string;
  payload: Buffer;
  reason: DeadLetterReason;
  details: Record<string, unknown>;
  meterSerial: string | null;
}

/** A meter's payload that passed the schema, ready for semantic validation. */
export interface ParsedMeter {
  serial: string;
  payload: MeterPayload;
  /** Where it came from in the message, e.g. `meters[3]` in a gateway batch ('' for a meter topic). */
  path: string;
}

export interface ParsedMessage {
  meters: ParsedMeter[];
  deadLetters: DeadLetter[];
  /** Fields ignored because the contract does not name them, one label per occurrence (unknown-fields.ts). */
  unknownFields?: string[];
}

export interface ParseOptions {
  prefix: string;
  maxPayloadBytes: number;
}

/** Stored payload of an oversize message (enough to identify the sender). */
const OVERSIZE_KEEP_BYTES = 4096;
const MAX_ISSUES = 10;

/** Strict UTF-8 (a bad byte sequence is `not_json`, not U+FFFD); decode() without streaming is stateless. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseMessage(topic: string, raw: Buffer, opts: ParseOptions): ParsedMessage {
  return createMessageParser(opts)(topic, raw);
}

/** parseMessage with the options prepared once (the per-message path). */
export function createMessageParser(opts: ParseOptions): (topic: string, raw: Buffer) => ParsedMessage {
  const topicOf = topicParser(opts.prefix);
  return (topic, raw) => parse(topic, raw, topicOf(topic), opts.maxPayloadBytes);
}

function parse(topic: string, raw: Buffer, t: ParsedTopic, maxPayloadBytes: number): ParsedMessage {
  const dead = (reason: DeadLetterReason, details: Record<string, unknown>, serial: string | null = null, payload = raw) => ({
    meters: [],
    deadLetters: [{ topic, payload, reason, details, meterSerial: serial }],
  });
  const serial = t.kind === 'meter' ? t.serial : null;
  if (raw.length > maxPayloadBytes) {
    return dead('oversize', { bytes: raw.length, limit: maxPayloadBytes, truncated: true }, serial, raw.subarray(0, OVERSIZE_KEEP_BYTES));
  }
  if (t.kind === 'unknown') return dead('unknown_topic', { message: 'not a meterbill v1 topic' });
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(raw));
  } catch (err) {
    return dead('not_json', { message: err instanceof Error ? err.message : String(err) }, serial);
  }
  if (t.kind === 'meter') return parseMeterMessage(topic, raw, t.serial, json);
  return parseGatewayMessage(topic, raw, t.gatewayId, json);
}

function parseMeterMessage(topic: string, raw: Buffer, serial: string, json: unknown): ParsedMessage {
  const r = parseIgnoringUnknown(meterPayloadSchema, json);
  if (!r.success) {
    return { meters: [], deadLetters: [{ topic, payload: raw, reason: 'invalid_payload', details: issues(r.error), meterSerial: serial }] };
  }
  if (r.data.serial !== undefined && r.data.serial !== serial) {
    const details = { message: `payload serial ${r.data.serial} differs from topic serial ${serial}`, payloadSerial: r.data.serial };
    return { meters: [], deadLetters: [{ topic, payload: raw, reason: 'serial_mismatch', details, meterSerial: serial }] };
  }
  return { meters: [{ serial, payload: r.data, path: '' }], deadLetters: [], unknownFields: r.unknownFields };
}

function parseGatewayMessage(topic: string, raw: Buffer, gatewayId: string, json: unknown): ParsedMessage {
  const env = parseIgnoringUnknown(gatewayEnvelopeSchema, json);
  if (!env.success) {
    return { meters: [], deadLetters: [{ topic, payload: raw, reason: 'invalid_payload', details: issues(env.error), meterSerial: null }] };
  }
  if (env.data.gatewayId !== gatewayId) {
    const details = { message: `payload gatewayId ${env.data.gatewayId} differs from topic gateway ${gatewayId}` };
    return { meters: [], deadLetters: [{ topic, payload: raw, reason: 'gateway_mismatch', details, meterSerial: null }] };
  }
  const unknownFields = [...env.unknownFields];
  const out: ParsedMessage = { meters: [], deadLetters: [], unknownFields };
  env.data.meters.forEach((item, i) => {
    const r = parseIgnoringUnknown(gatewayMeterSchema, item, 'meters[]');
    if (r.success) {
      out.meters.push({ serial: r.data.serial, payload: r.data, path: `meters[${i}]` });
      unknownFields.push(...r.unknownFields);
      return;
    }
    const serial = typeof (item as { serial?: unknown })?.serial === 'string' ? String((item as { serial: string }).serial).slice(0, 64) : null;
    out.deadLetters.push({
      topic,
      payload: itemBytes(item, raw),
      reason: 'invalid_payload',
      details: { ...issues(r.error), gatewayId, item: `meters[${i}]` },
      meterSerial: serial,
    });
  });
  return out;
}

/**
 * The item's own JSON, or the whole message when the item cannot be serialised: JSON.stringify
 * recurses and overflows the stack on nesting a few thousand levels deep (a hostile payload that
 * JSON.parse accepts), and a throw here would leave the message unacknowledged for ever.
 */
function itemBytes(item: unknown, raw: Buffer): Buffer {
  try {
    return Buffer.from(JSON.stringify(item) ?? 'null');
  } catch {
    return raw;
  }
}

function issues(err: z.ZodError): Record<string, unknown> {
  return {
    message: 'payload does not match the v1 schema',
    issues: err.issues.slice(0, MAX_ISSUES).map((i) => ({ path: i.path.join('.'), message: i.message })),
  };
}
