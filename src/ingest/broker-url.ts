/**
 * The one answer to "which broker URL does a client use": MQTT_URL when set, else the embedded
 * broker on the address it listens on. A wildcard listen address (0.0.0.0, ::) is dialled on the
 * loopback; a specific one (HOST=10.0.0.5) must be dialled as such (the broker is not on
 * 127.0.0.1 then); an IPv6 literal goes in brackets. Pure.
 */
import type { Config } from '../config/config-schema.js';

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** The URL a client on this machine dials to reach a broker listening on `listenHost:port`. */
export function embeddedBrokerUrl(listenHost: string, port: number): string {
  const host = WILDCARDS.has(listenHost) ? '127.0.0.1' : listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost;
  return `mqtt://${host}:${port}`;
}

/** MQTT_URL, else the embedded broker (on `embeddedPort` when it was started on port 0). */
export function brokerUrl(config: Pick<Config, 'MQTT_URL' | 'MQTT_EMBEDDED_PORT' | 'HOST'>, embeddedPort: number = config.MQTT_EMBEDDED_PORT): string {
  return config.MQTT_URL ?? embeddedBrokerUrl(config.HOST, embeddedPort);
}
