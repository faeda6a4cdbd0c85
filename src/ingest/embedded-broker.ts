/**
 * The embedded MQTT broker (aedes) used when MQTT_URL is unset, so any MQTT client can publish to
 * a fresh install. In-memory persistence: QoS 1 persistent sessions survive client reconnects for
 * the life of the process (not a process restart: use a real broker for that). aedes has no
 * shared subscriptions; shared-subscriptions.ts adds `$share/{group}/...`.
 */
import net from 'node:net';
import { once } from 'node:events';
import { Aedes } from 'aedes';
import type { Logger } from '../lib/logger.js';
import { createSharedSubscriptions, type ForwardPacket } from './shared-subscriptions.js';
import { embeddedBrokerUrl } from './broker-url.js';

export interface EmbeddedBroker {
  /** The port listened on (useful with port 0). */
  port: number;
  url: string;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  port: number;
  host?: string;
  log?: Logger;
}

type Persistence = {
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: ForwardPacket): Promise<void>;
  outgoingClearMessageId(client: unknown, packet: { messageId?: number }): Promise<unknown>;
};

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log?.child({ module: 'mqtt-broker' });
  const online = new Set<string>();
  const shared = createSharedSubscriptions((id) => online.has(id));
  const broker = await Aedes.createBroker({
    authorizeSubscribe: (client, sub, done) => {
      if (client) sub.topic = shared.join(client.id, sub.topic);
      done(null, sub);
    },
    authorizeForward: (client, packet) =>
      shared.shouldForward(client.id, client.clean, packet as unknown as ForwardPacket) ? packet : null,
  });
  patchPersistence((broker as unknown as { persistence: Persistence }).persistence, shared.filterEnqueue);
  broker.on('client', (client) => online.add(client.id));
  broker.on('ack', (packet, client) => {
    if (packet && client && 'topic' in packet) shared.acked(client.id, packet as unknown as ForwardPacket);
  });
  broker.on('clientDisconnect', (client) => {
    online.delete(client.id);
    if (client.clean) shared.leave(client.id);
  });
  broker.on('clientError', (client, err) => log?.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));

  const server = net.createServer(broker.handle as (socket: net.Socket) => void);
  server.listen(opts.port, host);
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  log?.info({ port, host }, 'embedded MQTT broker listening');
  return {
    port,
    url: embeddedBrokerUrl(host, port),
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Keeps one queued copy per shared group (see shared-subscriptions.ts) and stops a denied
 * forward from clearing another message's queued copy: aedes clears by messageId, which is still
 * undefined for copies not yet sent.
 */
function patchPersistence(p: Persistence, filter: (subs: Array<{ clientId: string }>, packet: ForwardPacket) => Array<{ clientId: string }>): void {
  const enqueue = p.outgoingEnqueueCombi.bind(p);
  const clear = p.outgoingClearMessageId.bind(p);
  p.outgoingEnqueueCombi = (subs, packet) => enqueue(filter(subs, packet), packet);
  p.outgoingClearMessageId = async (client, packet) => (packet.messageId === undefined ? undefined : clear(client, packet));
}
