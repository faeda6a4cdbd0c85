import { describe, expect, it } from 'vitest';
import { brokerUrl, embeddedBrokerUrl } from '../../src/ingest/broker-url.js';

describe('broker URL resolution', () => {
  it.each([
    [{ MQTT_URL: 'mqtts://broker.example:8883', HOST: '0.0.0.0', MQTT_EMBEDDED_PORT: 1884 }, 'mqtts://broker.example:8883'],
    [{ MQTT_URL: undefined, HOST: '127.0.0.1', MQTT_EMBEDDED_PORT: 1884 }, 'mqtt://127.0.0.1:1884'],
    // A wildcard listen address is reached on the loopback.
    [{ MQTT_URL: undefined, HOST: '0.0.0.0', MQTT_EMBEDDED_PORT: 1884 }, 'mqtt://127.0.0.1:1884'],
    [{ MQTT_URL: undefined, HOST: '::', MQTT_EMBEDDED_PORT: 1884 }, 'mqtt://127.0.0.1:1884'],
    // A specific address is where the broker is (the demo simulator used to dial 127.0.0.1 regardless).
    [{ MQTT_URL: undefined, HOST: '10.1.2.3', MQTT_EMBEDDED_PORT: 1999 }, 'mqtt://10.1.2.3:1999'],
    [{ MQTT_URL: undefined, HOST: 'fd00::5', MQTT_EMBEDDED_PORT: 1884 }, 'mqtt://[fd00::5]:1884'],
    [{ MQTT_URL: undefined, HOST: 'localhost', MQTT_EMBEDDED_PORT: 1884 }, 'mqtt://localhost:1884'],
  ])('%o → %s', (config, expected) => {
    expect(brokerUrl(config)).toBe(expected);
  });

  it('uses the port the embedded broker actually listens on (started on port 0)', () => {
    expect(brokerUrl({ MQTT_URL: undefined, HOST: '0.0.0.0', MQTT_EMBEDDED_PORT: 0 }, 40123)).toBe('mqtt://127.0.0.1:40123');
    expect(embeddedBrokerUrl('[::1]', 1884)).toBe('mqtt://[::1]:1884');
  });
});
