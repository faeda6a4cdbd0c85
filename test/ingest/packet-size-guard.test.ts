import { describe, expect, it } from 'vitest';
import { createPacketScanner } from '../../src/ingest/packet-size-guard.js';
import { connectPacket, publishHeader, varint } from './raw-mqtt.js';

const publish = (topic: string, payload: number) => Buffer.concat([publishHeader(topic, payload), Buffer.alloc(payload, 0x61)]);

describe('packet scanner', () => {
  it('reads remaining lengths as MQTT variable byte integers', () => {
    // Independent values from the MQTT 3.1.1 spec, table 2.4.
    expect([...varint(127)]).toEqual([0x7f]);
    expect([...varint(128)]).toEqual([0x80, 0x01]);
    expect([...varint(16_383)]).toEqual([0xff, 0x7f]);
    expect([...varint(2_097_152)]).toEqual([0x80, 0x80, 0x80, 0x01]);
  });

  it('passes packets up to the limit, in any chunking, and reports the first larger one by its total size', () => {
    const ok = [connectPacket('c1', 'u', 'p'), publish('a/b', 1000), Buffer.from([0xc0, 0x00]), publish('a/b', 0)];
    const stream = Buffer.concat(ok);
    for (const step of [1, 2, 3, 7, 1000, stream.length]) {
      const s = createPacketScanner(1000 + 2 + 3 + 3); // a 1000-byte payload on topic a/b is 1008 bytes in all
      for (let i = 0; i < stream.length; i += step) expect(s.scan(stream.subarray(i, i + step))).toBeNull();
    }
    const s = createPacketScanner(1008);
    expect(s.scan(Buffer.concat([publish('a/b', 10), publishHeader('a/b', 1001).subarray(0, 2)]))).toBeNull(); // length not complete yet
    expect(s.scan(publishHeader('a/b', 1001).subarray(2, 3))).toBe(1 + 2 + 1006);
  });

  it('reports a 50 MB packet from its first bytes and a malformed length at once', () => {
    expect(createPacketScanner(1_049_600).scan(publishHeader('t', 50 * 1_048_576).subarray(0, 5))).toBe(1 + 4 + 3 + 50 * 1_048_576);
    expect(createPacketScanner(1_049_600).scan(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(Number.MAX_SAFE_INTEGER);
  });
});
