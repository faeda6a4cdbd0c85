/**
 * A pool of MQTT connections in one shared subscription group. Each connection delivers one
 * message at a time to `onMessage` and acknowledges it (PUBACK) only when the returned promise
 * resolves, i.e. after the rows are committed. mqtt.js sends the PUBACK from the `handleMessage`
 * callback and reads the connection's next packet only after it (docs/mqtt.md).
 */
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from '../lib/logger.js';
import { quietMqttLog } from '../lib/mqtt-options.js';
import { throttledWarn } from '../lib/log-throttle.js';
import { ingestTopicFilters, sharedFilter } from './topics.js';

export interface ConsumerOptions {
  url: string;
  clientId: string;
  /** The service account (else the URL's user:password, if any). */
  username?: string | undefined;
  password?: string | undefined;
  /** CA certificate(s) for mqtts:// with a private CA (MQTT_CA_FILE). */
  ca?: Buffer | undefined;
  connections: number;
  prefix: string;
  shareGroup: string;
  log: Logger;
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
  onConnectionsChanged?: (up: number) => void;
}

/** The client ids of the pool, `{base}-{n}`: recorded (mqtt_sessions) so retired ones can be drained. */
export function connectionClientIds(base: string, connections: number): string[] {
  return Array.from({ length: connections }, (_, i) => `${base}-${i}`);
}

export function createMqttConsumer(o: ConsumerOptions) {
  const log = o.log.child({ module: 'ingest-mqtt' });
  const clients: MqttClient[] = [];
  const filters = ingestTopicFilters(o.prefix).map((f) => sharedFilter(o.shareGroup, f));
  let stopping = false;
  let inFlight = 0;
  // one line per distinct error every 10 s for the whole pool, not one per connection per retry
  const connectionError = throttledWarn(log, 10_000, () => Date.now());

  const upCount = () => clients.filter((c) => c.connected).length;

  function open(clientId: string): MqttClient {
    const client = mqtt.connect(o.url, {
      clientId,
      ...(o.username !== undefined ? { username: o.username, password: o.password } : {}),
      ...(o.ca ? { ca: o.ca } : {}),
      clean: false, // persistent session: the broker queues for us while we are away
      // MQTT 3.1.1, not 5 (issue 8 #9): aedes, the embedded broker, refuses v5 CONNECTs, and the
      // v5 maximumPacketSize would only be advice to the broker (mqtt.js checks it after buffering
      // the whole packet). The memory bound is the broker's packet limit (docs/mqtt.md, Security).
      protocolVersion: 4,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      keepalive: 30,
      resubscribe: false,
      ...quietMqttLog(),
    });
    let generation = 0;
    client.on('connect', () => {
      generation++;
      o.onConnectionsChanged?.(upCount());
      // Re-subscribing is idempotent and covers a broker that lost the session.
      client.subscribe(filters, { qos: 1 }, (err, granted) => {
        if (err || granted?.some((g) => g.qos === 128)) log.error({ clientId, err: err?.message, granted }, 'subscription refused');
      });
    });
    client.on('close', () => o.onConnectionsChanged?.(upCount()));
    client.on('error', (err) => connectionError(`mqtt connection error: ${err.message}`, { clientId, connections: o.connections }));
    client.handleMessage = (packet: IPublishPacket, ack: (err?: Error) => void) => {
      if (stopping) return; // not acked: the broker redelivers it to us or another member
      const gen = generation;
      inFlight++;
      o.onMessage(packet.topic, packet.payload as Buffer).then(
        () => {
          inFlight--;
          // After a reconnect the packet id may belong to another message: let the broker redeliver.
          if (gen === generation) ack();
          else ack(new Error('connection replaced before commit'));
        },
        (err: Error) => {
          inFlight--;
          log.warn({ clientId, err: err.message }, 'message not stored; left unacknowledged');
        },
      );
    };
    return client;
  }

  return {
    start(): void {
      for (const id of connectionClientIds(o.clientId, o.connections)) clients.push(open(id));
    },
    /** Stops taking messages (those in flight still finish and are acked). */
    pause(): void {
      stopping = true;
    },
    async close(): Promise<void> {
      stopping = true;
      await Promise.all(clients.map((c) => c.endAsync(false).catch(() => c.endAsync(true))));
      clients.length = 0;
    },
    connected: upCount,
    inFlight: () => inFlight,
  };
}

export type MqttConsumer = ReturnType<typeof createMqttConsumer>;
