/**
 * Drains one retired persistent session and removes it from the broker (issue 8 #4).
 * 1. Connect under its client id with `clean: false`: the broker resumes the session and delivers
 *    what it queued there (Mosquitto queues `$share` messages into offline persistent members).
 * 2. Unsubscribe its filters at once, so the broker stops choosing it for new messages and the
 *    drain can end (checked on Mosquitto 2.0: the queued messages are still delivered).
 * 3. Each message goes through the normal ingest path and is acknowledged after its commit.
 * 4. Once nothing has arrived for `quietMs` and nothing is in flight, disconnect, connect again
 *    with `clean: true` (MQTT 3.1.1: the broker discards the session) and disconnect.
 * A drain that loses its connection, fails to store a message, or still receives after `maxMs`
 * throws: the session is kept (nothing acknowledged is lost) and tried again later.
 * The embedded broker (aedes) does not apply an UNSUBSCRIBE of a `$share` filter, but its sessions
 * live in memory: after a process restart the session is absent and step 1 finds nothing.
 */
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { quietMqttLog } from '../lib/mqtt-options.js';

export interface DrainOptions {
  url: string;
  /** Extra connection options (credentials, TLS) shared with the ingest connections. */
  connectOptions?: Partial<IClientOptions>;
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
  quietMs: number;
  maxMs: number;
  /** Asked between steps: the service is stopping, give up (the session stays outstanding). */
  stopping: () => boolean;
}

export interface DrainResult {
  /** The broker still had the session (false: nothing was queued there). */
  sessionPresent: boolean;
  messages: number;
}

export class DrainIncomplete extends Error {
  constructor(
    message: string,
    readonly messages: number,
  ) {
    super(message);
  }
}

const baseOptions = (o: DrainOptions, clientId: string, clean: boolean): IClientOptions => ({
  ...o.connectOptions,
  clientId,
  clean,
  protocolVersion: 4,
  reconnectPeriod: 0, // a drain that loses its connection stops; it is retried from the start
  connectTimeout: 10_000,
  keepalive: 30,
  resubscribe: false,
  ...quietMqttLog(),
});

export async function drainSession(o: DrainOptions, clientId: string, filters: string[]): Promise<DrainResult> {
  const state = { messages: 0, inFlight: 0, lastAt: Date.now(), failure: null as string | null, closed: false };
  const client = mqtt.connect(o.url, baseOptions(o, clientId, false));
  client.on('error', () => undefined); // reported through 'close' and the steps below
  client.handleMessage = (packet: IPublishPacket, ack: (err?: Error) => void) => {
    if (state.failure || o.stopping()) return; // not acked: stays in the session
    state.inFlight++;
    state.lastAt = Date.now();
    o.onMessage(packet.topic, packet.payload as Buffer).then(
      () => {
        state.inFlight--;
        state.messages++;
        state.lastAt = Date.now();
        ack();
      },
      (err: Error) => {
        state.inFlight--;
        state.failure = `message not stored: ${err.message}`;
      },
    );
  };
  try {
    const sessionPresent = await connected(client);
    client.on('close', () => (state.closed = true));
    if (sessionPresent) await client.unsubscribeAsync(filters);
    const started = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 50));
      if (state.failure) throw new DrainIncomplete(state.failure, state.messages);
      if (o.stopping()) throw new DrainIncomplete('service stopping', state.messages);
      if (state.closed) throw new DrainIncomplete('connection lost while draining', state.messages);
      if (state.inFlight === 0 && Date.now() - state.lastAt >= o.quietMs) break;
      if (Date.now() - started > o.maxMs) throw new DrainIncomplete(`still receiving after ${o.maxMs} ms`, state.messages);
    }
    await client.endAsync();
    await removeSession(o, clientId);
    return { sessionPresent, messages: state.messages };
  } catch (err) {
    client.end(true);
    if (err instanceof DrainIncomplete) throw err;
    throw new DrainIncomplete(err instanceof Error ? err.message : String(err), state.messages);
  }
}

/** Connects with `clean: true` and leaves: the broker discards the session and its queue. */
async function removeSession(o: DrainOptions, clientId: string): Promise<void> {
  const c = mqtt.connect(o.url, baseOptions(o, clientId, true));
  c.on('error', () => undefined);
  try {
    await connected(c);
    await c.endAsync();
  } catch (err) {
    c.end(true);
    throw err;
  }
}

function connected(client: MqttClient): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => done(() => reject(err));
    const onClose = () => done(() => reject(new Error('connection closed before CONNACK')));
    const done = (f: () => void) => {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
      f();
    };
    const onConnect = (ack: { sessionPresent?: boolean }) => done(() => resolve(ack.sessionPresent === true));
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}
