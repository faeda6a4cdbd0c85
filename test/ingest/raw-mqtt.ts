/** Hand-built MQTT 3.1.1 packets for tests that must control the bytes on the wire. */
import net from 'node:net';
import { once } from 'node:events';

export function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

const str = (s: string) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

export function connectPacket(clientId: string, username?: string, password?: string): Buffer {
  const flags = 0x02 | (username ? 0x80 : 0) | (password ? 0x40 : 0);
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, flags, 0, 60]), str(clientId), ...(username ? [str(username)] : []), ...(password ? [str(password)] : [])]);
  return Buffer.concat([Buffer.from([0x10]), varint(body.length), body]);
}

/** The fixed header and topic of a QoS 0 PUBLISH whose payload is `payloadBytes` long. */
export function publishHeader(topic: string, payloadBytes: number): Buffer {
  const t = str(topic);
  return Buffer.concat([Buffer.from([0x30]), varint(t.length + payloadBytes), t]);
}

export interface RawClient {
  socket: net.Socket;
  connack: Promise<number>;
  closed: Promise<void>;
}

/** Opens a TCP connection and sends CONNECT; `connack` resolves with the return code. */
export async function rawConnect(port: number, clientId: string, username?: string, password?: string): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  // events.once would reject on the ECONNRESET the broker's refusal causes: wait for the close only.
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const connack = new Promise<number>((resolve, reject) => {
    socket.once('data', (d: Buffer) => (d[0] === 0x20 ? resolve(d[3] as number) : reject(new Error('no CONNACK'))));
    void closed.then(() => reject(new Error('closed before CONNACK')));
  });
  socket.write(connectPacket(clientId, username, password));
  return { socket, connack, closed };
}

/**
 * Streams a PUBLISH with a `payloadBytes` payload, honouring back-pressure; stops when the
 * server closes the connection. Returns the bytes the socket accepted.
 */
export async function streamPublish(c: RawClient, topic: string, payloadBytes: number): Promise<number> {
  const chunk = Buffer.alloc(1_048_576, 0x61);
  let sent = 0;
  let open = true;
  void c.closed.then(() => (open = false));
  c.socket.write(publishHeader(topic, payloadBytes));
  while (open && sent < payloadBytes) {
    const n = Math.min(chunk.length, payloadBytes - sent);
    const ok = c.socket.write(n === chunk.length ? chunk : chunk.subarray(0, n));
    sent += n;
    if (!ok) await Promise.race([new Promise((r) => c.socket.once('drain', r)), c.closed]);
  }
  return sent;
}
