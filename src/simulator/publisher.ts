/**
 * The imperative shell of the simulator: one or more mqtt.js connections publishing at QoS 1,
 * at a fixed rate or as fast as the broker acknowledges (a bounded window of unacknowledged
 * messages keeps memory flat). Nothing here decides what to publish.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { quietMqttLog } from '../lib/mqtt-options.js';

export interface PublisherOptions {
  url: string;
  clientIdPrefix?: string;
  /** MQTT credentials (a gateway's); a URL's user:password works too. */
  username?: string;
  password?: string;
  /** CA certificate(s) for mqtts:// with a private CA. */
  ca?: Buffer;
  /** Parallel connections (round robin). Default 1. */
  connections?: number;
  /** Messages per second across all connections; undefined = as fast as possible. */
  rate?: number;
  /** Unacknowledged QoS 1 messages allowed in flight across all connections. Default 1000. */
  maxInFlight?: number;
}

export interface Publisher {
  /** Resolves when the message is handed to a connection (not yet acknowledged). */
  publish(topic: string, payload: string | Buffer): Promise<void>;
  /** Resolves when every published message has been acknowledged (PUBACK). */
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly stats: { published: number; acked: number; errors: number };
}

export async function createPublisher(opts: PublisherOptions): Promise<Publisher> {
  const n = Math.max(1, opts.connections ?? 1);
  const prefix = opts.clientIdPrefix ?? `meterbill-sim-${process.pid}-${Date.now().toString(36)}`;
  const clients: MqttClient[] = [];
  for (let i = 0; i < n; i++) {
    clients.push(await mqtt.connectAsync(opts.url, { clientId: `${prefix}-${i}`, ...(opts.username ? { username: opts.username, password: opts.password } : {}), ...(opts.ca ? { ca: opts.ca } : {}), clean: true, reconnectPeriod: 1000, connectTimeout: 10_000, ...quietMqttLog() }));
  }
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 1000);
  const stats = { published: 0, acked: 0, errors: 0 };
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const started = Date.now();
  let next = 0;

  return {
    stats,
    async publish(topic, payload) {
      while (inFlight >= maxInFlight) await new Promise<void>((r) => waiters.push(r));
      if (opts.rate) {
        const due = started + (stats.published * 1000) / opts.rate;
        const wait = due - Date.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      const client = clients[next++ % n] as MqttClient;
      inFlight++;
      stats.published++;
      client.publish(topic, payload, { qos: 1 }, (err) => {
        inFlight--;
        if (err) stats.errors++;
        else stats.acked++;
        wake();
      });
    },
    async flush() {
      while (inFlight > 0) await new Promise<void>((r) => waiters.push(r));
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync()));
    },
  };
}
