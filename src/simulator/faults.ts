/**
 * Fault injection for `--bad-ratio` and `--dup-ratio`: replaces some messages with malformed or
 * invalid ones (each labelled with what is wrong) and repeats others, as misbehaving gateways and
 * QoS 1 retransmissions do. Pure: the PRNG and `now` are passed in.
 */
import type { Rng } from '../lib/prng.js';
import type { OutMessage } from './stream.js';
import type { MeterPayloadInput } from '../ingest/payload-schema.js';

export interface FaultOptions {
  badRatio: number;
  dupRatio: number;
  now: Date;
}

export const FAULT_KINDS = ['non_json', 'wrong_types', 'unknown_channel', 'future_timestamp', 'unknown_meter', 'topic_mismatch', 'backwards_register', 'deep_nesting'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The message as published: itself, a corrupted stand-in, or itself twice. */
export function applyFaults(msg: OutMessage, rng: Rng, opts: FaultOptions): OutMessage[] {
  if (opts.badRatio > 0 && rng.next() < opts.badRatio) {
    const kind = FAULT_KINDS[Math.floor(rng.next() * FAULT_KINDS.length)] as FaultKind;
    return [corrupt(msg, kind, rng, opts.now)];
  }
  if (opts.dupRatio > 0 && rng.next() < opts.dupRatio) return [msg, { ...msg, fault: 'duplicate' }];
  return [msg];
}

export function corrupt(msg: OutMessage, kind: FaultKind, rng: Rng, now: Date): OutMessage {
  const bad = (payload: string): OutMessage => ({ topic: msg.topic, payload, meters: [], fault: kind });
  const first = msg.meters[0] ?? {};
  const edit = (f: (p: MeterPayloadInput) => unknown) => bad(rewrap(msg, f(structuredClone(first))));
  switch (kind) {
    case 'non_json':
      return bad(msg.payload.slice(0, Math.max(1, Math.floor(rng.next() * msg.payload.length))));
    case 'wrong_types':
      return edit((p) => ({ ...p, profiles: [{ channel: 1829, periodMin: '30', start: 'yesterday', values: { a: 1 } }] }));
    case 'unknown_channel':
      return edit((p) => ({ ...p, profiles: (p.profiles ?? []).map((b) => ({ ...b, channel: '99.99.9' })), registers: undefined, instant: undefined, events: undefined }));
    case 'future_timestamp':
      return edit((p) => ({ serial: p.serial, instant: [{ at: new Date(now.getTime() + 7 * 86_400_000).toISOString(), values: { '14.7.0': '50.00' } }] }));
    case 'unknown_meter':
      return edit((p) => ({ ...p, serial: `ZZ${Math.floor(rng.next() * 1e9)}` }));
    case 'topic_mismatch':
      return msg.topic.includes('/meters/') ? edit((p) => ({ ...p, serial: `${p.serial as string}X` })) : edit((p) => ({ ...p, serial: undefined }));
    case 'backwards_register':
      return edit((p) => ({ serial: p.serial, registers: (p.registers ?? []).map((r) => ({ ...r, values: { '1.8.0': '0.001' }, md: undefined, mdResetCount: undefined })) }));
    case 'deep_nesting':
      return bad(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`);
  }
}

/** Puts an edited meter payload back in the message's envelope (alone, for a gateway batch). */
function rewrap(msg: OutMessage, p: unknown): string {
  if (!msg.topic.includes('/gateways/')) return JSON.stringify(p);
  const env = JSON.parse(msg.payload) as { meters: unknown[] };
  return JSON.stringify({ ...env, meters: [p] });
}
