/**
 * Issue 8 #4: the ingest connections' client ids must not change with the host name (containers
 * get a new one on every redeploy, and each change parked the old sessions' messages).
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { ingestSettings } from '../../src/ingest/ingest.module.js';
import { connectionClientIds } from '../../src/ingest/mqtt-consumer.js';

describe('ingest client ids', () => {
  it('default to meterbill-1, whatever the host is called', () => {
    const s = ingestSettings(loadConfig({}), 'mqtt://x');
    expect(s.clientId).toBe('meterbill-1');
    expect(s.instanceId).toBe('1');
    expect(s.clientId).not.toContain(hostname().slice(0, 8));
    expect(connectionClientIds(s.clientId, 3)).toEqual(['meterbill-1-0', 'meterbill-1-1', 'meterbill-1-2']);
  });

  it('follow MQTT_INSTANCE_ID, one distinct set per instance', () => {
    expect(ingestSettings(loadConfig({ MQTT_INSTANCE_ID: 'b2' }), 'mqtt://x').clientId).toBe('meterbill-b2');
  });

  it('keep an explicit MQTT_CLIENT_ID (the instance still owns its recorded sessions)', () => {
    const s = ingestSettings(loadConfig({ MQTT_CLIENT_ID: 'plant-a', MQTT_INSTANCE_ID: '3' }), 'mqtt://x');
    expect(s.clientId).toBe('plant-a');
    expect(s.instanceId).toBe('3');
  });

  it('refuse an instance id that cannot be part of a client id', () => {
    expect(() => loadConfig({ MQTT_INSTANCE_ID: 'a/b' })).toThrow(ConfigError);
    expect(() => loadConfig({ MQTT_INSTANCE_ID: '' })).toThrow(ConfigError);
    expect(() => loadConfig({ MQTT_INSTANCE_ID: 'x'.repeat(33) })).toThrow(ConfigError);
  });
});
