/**
 * The embedded MQTT broker (aedes) used when MQTT_URL is unset, so any MQTT client can publish to
 * a fresh install. In-memory persistence: QoS 1 persistent sessions survive client reconnects for
 * the life of the process (not a process restart: use a real broker for that). aedes has no
 * shared subscriptions; shared-subscriptions.ts adds `$share/{group}/...`.
 *
 * With `auth` (MQTT_AUTH=required) clients authenticate and are authorised by broker-auth.ts;
 * without it every client is anonymous and may do anything. Every packet is bounded by
 * `maxPacketBytes`, refused from its header before it is buffered (packet-size-guard.ts).
 */
import net from 'node:net';
import { once } from 'node:events';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../lib/logger.js';
import { createSharedSubscriptions, type ForwardPacket } from './shared-subscriptions.js';
import { embeddedBrokerUrl } from './broker-url.js';
import { createBrokerAuth, type BrokerAuthOptions, type RefusalReason } from './broker-auth.js';
import { guardSocketPacketSize } from './packet-size-guard.js';

export interface EmbeddedBroker {
  /** The port listened on (useful with port 0). */
  port: number;
  url: string;
  /** Closes the connections of a gateway (its credential was revoked). */
  disconnectGateway(gatewayId: string): number;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  port: number;
  host?: string;
  log?: Logger;
  /** Authentication and ACLs; absent: anonymous clients may do anything (MQTT_AUTH=off). */
  auth?: BrokerAuthOptions;
  /** Largest MQTT packet accepted, header included (default 64 MiB + 1 KiB). */
  maxPacketBytes?: number;
  metrics?: Registry;
}

type Persistence = {
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: ForwardPacket): Promise<void>;
  outgoingClearMessageId(client: unknown, packet: { messageId?: number }): Promise<unknown>;
};

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log?.child({ module: 'mqtt-broker' });
  const maxPacketBytes = opts.maxPacketBytes ?? 64 * 1_048_576 + 1024;
  const refusals = refusalCounter(opts.metrics);
  const auth = opts.auth ? createBrokerAuth(opts.auth, log, (reason) => refusals.inc({ reason })) : undefined;
  const online = new Set<string>();
  const shared = createSharedSubscriptions((id) => online.has(id));
  const broker = await Aedes.createBroker({
    ...(auth
      ? {
          authenticate: (client, username, password, done) =>
            auth.authenticate(client, username, password, (err, ok) => done(err as AuthenticateError | null, ok)),
          authorizePublish: (client, packet, done) => done(auth.canPublish(client, packet.topic) ? null : new Error('not authorised to publish to this topic')),
        }
      : {}),
    authorizeSubscribe: (client, sub, done) => {
      if (auth && client && !auth.canSubscribe(client, sub.topic)) return done(null, null); // SUBACK 0x80
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

  const server = net.createServer((socket) => {
    guardSocketPacketSize(socket, maxPacketBytes, (size) => {
      refusals.inc({ reason: 'packet_too_large' });
      const clientId = (socket as unknown as { client?: Client }).client?.id ?? null;
      log?.warn({ clientId, address: socket.remoteAddress, size, maxPacketBytes }, 'MQTT packet larger than the limit refused; connection closed');
    });
    broker.handle(socket);
  });
  server.listen(opts.port, host);
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  log?.info({ port, host, auth: auth ? 'required' : 'off', maxPacketBytes }, 'embedded MQTT broker listening');

  const disconnectGateway = (gatewayId: string): number => {
    if (!auth) return 0;
    const clients = Object.values((broker as unknown as { clients: Record<string, Client> }).clients);
    const mine = clients.filter((c) => auth.isGateway(c, gatewayId));
    for (const c of mine) c.close();
    return mine.length;
  };
  return {
    port,
    url: embeddedBrokerUrl(host, port),
    disconnectGateway,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const counters = new WeakMap<Registry, Counter<'reason'>>();

function refusalCounter(registry: Registry | undefined): { inc(labels: { reason: RefusalReason }): void } {
  if (!registry) return { inc: () => undefined };
  let c = counters.get(registry);
  if (!c) {
    c = new Counter({ name: 'meterbill_mqtt_broker_refusals_total', help: 'Connections, publishes, subscriptions and packets the embedded broker refused, by reason', labelNames: ['reason'], registers: [registry] });
    counters.set(registry, c);
  }
  return c;
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
