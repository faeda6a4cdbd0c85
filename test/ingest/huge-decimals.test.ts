/**
 * Huge decimals over MQTT (issue 8 #1; the normal-suite twin of the "huge decimals" case of
 * test/reliability/hostile-payloads.reliability.ts): a value with a huge exponent or too many
 * digits dead-letters its payload as invalid_payload at once; it is never read as a number.
 */
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/ingest/message-parse.js';

const opts = { prefix: 'mb/v1', maxPayloadBytes: 65_536 };
const HUGE = ['1e1000000000', '1e2000000', '9'.repeat(1000), `0.${'1'.repeat(1000)}`, '1e400'];

describe('huge decimals in meter payloads', () => {
  it.each(HUGE)('%s in a profile, a register and an instant value: invalid_payload, quickly', (v) => {
    const at = '2025-01-15T10:00:00Z';
    const payloads = [
      { profiles: [{ channel: '1.29.0', periodMin: 30, start: at, values: [v] }] },
      { registers: [{ at, values: { '1.8.0': v } }] },
      { instant: [{ at, values: { '14.7.0': v } }] },
    ];
    const t0 = performance.now();
    for (const p of payloads) {
      const r = parseMessage('mb/v1/meters/M001/data', Buffer.from(JSON.stringify(p)), opts);
      expect(r.meters).toEqual([]);
      expect(r.deadLetters.map((d) => d.reason)).toEqual(['invalid_payload']);
    }
    expect(performance.now() - t0).toBeLessThan(500);
  });
});
