/**
 * Refuses an oversize MQTT packet from its fixed header, before it is buffered (issue 8 #9).
 * aedes (and the mqtt-packet parser under it) has no packet size limit: it collects a packet's
 * whole remaining length in memory before looking at it, so two 200 MB PUBLISH packets took RSS to
 * 879 MB. The scanner follows the packet boundaries of the byte stream (header byte, remaining
 * length as a variable byte integer, body) without copying, and reports the first packet whose
 * total size exceeds the limit — known after its first 2–5 bytes.
 */
import type { Socket } from 'node:net';

/**
 * Room for a PUBLISH packet's fixed header (≤ 5 bytes), topic (2 + our topics' ≈ 100 bytes),
 * packet id (2) and MQTT 5 properties on top of its payload: the largest packet accepted is
 * INGEST_MAX_PAYLOAD_BYTES + this. Payloads just above the payload limit still arrive and are
 * dead-lettered `oversize`; anything larger is refused by the broker.
 */
export const MQTT_PACKET_OVERHEAD_BYTES = 1024;

export function maxPacketBytesFor(maxPayloadBytes: number): number {
  return maxPayloadBytes + MQTT_PACKET_OVERHEAD_BYTES;
}

export interface PacketScanner {
  /** Advances over a chunk; returns the total size of an oversize or malformed packet, or null. */
  scan(chunk: Buffer): number | null;
}

export function createPacketScanner(maxPacketBytes: number): PacketScanner {
  // state: 0 = at a header byte, 1 = in the remaining length, 2 = skipping the body
  let state = 0;
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let remaining = 0;
  return {
    scan(chunk) {
      let i = 0;
      while (i < chunk.length) {
        if (state === 2) {
          const n = Math.min(remaining, chunk.length - i);
          i += n;
          remaining -= n;
          if (remaining === 0) state = 0;
          continue;
        }
        const byte = chunk[i++] as number;
        if (state === 0) {
          state = 1;
          length = 0;
          multiplier = 1;
          lengthBytes = 0;
          continue;
        }
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        lengthBytes++;
        if (byte & 0x80) {
          if (lengthBytes === 4) return Number.MAX_SAFE_INTEGER; // malformed: at most 4 length bytes
          continue;
        }
        const total = 1 + lengthBytes + length;
        if (total > maxPacketBytes) return total;
        remaining = length;
        state = remaining === 0 ? 0 : 2;
      }
      return null;
    },
  };
}

/**
 * Watches what aedes reads from a socket (it reads in paused mode with `socket.read()`) and
 * destroys the socket at the first oversize packet: at most one read chunk of it is held.
 */
export function guardSocketPacketSize(socket: Socket, maxPacketBytes: number, onRefuse: (size: number) => void): void {
  const scanner = createPacketScanner(maxPacketBytes);
  const read = socket.read.bind(socket);
  let refused = false;
  socket.read = (size?: number) => {
    if (refused) return null;
    const chunk = read(size) as Buffer | string | null;
    if (chunk === null || typeof chunk === 'string') return chunk;
    const bad = scanner.scan(chunk);
    if (bad === null) return chunk;
    refused = true;
    onRefuse(bad);
    socket.destroy();
    return null;
  };
}
