import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { serviceAccount } from '../../src/ingest/ingest.module.js';

describe('MQTT authentication settings', () => {
  it('require authentication by default, with the service account meterbill-service', () => {
    const c = loadConfig({});
    expect(c.MQTT_AUTH).toBe('required');
    expect(c.MQTT_SERVICE_USERNAME).toBe('meterbill-service');
    expect(c.MQTT_SERVICE_PASSWORD).toBeUndefined();
    expect(loadConfig({ MQTT_SERVICE_PASSWORD: '' }).MQTT_SERVICE_PASSWORD).toBeUndefined();
  });

  it('refuse unknown modes, short passwords and usernames with topic wildcards, naming each', () => {
    let error: unknown;
    try {
      loadConfig({ MQTT_AUTH: 'optional', MQTT_SERVICE_PASSWORD: 'short', MQTT_SERVICE_USERNAME: 'svc/#' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of ['MQTT_AUTH', 'MQTT_SERVICE_PASSWORD', 'MQTT_SERVICE_USERNAME']) expect((error as Error).message).toContain(name);
  });

  it('service account: the configured one; a random one for the embedded broker; the URL userinfo for an external broker', () => {
    expect(serviceAccount(loadConfig({ MQTT_SERVICE_PASSWORD: 'p'.repeat(16), MQTT_URL: 'mqtts://b:8883' }))).toEqual({ username: 'meterbill-service', password: 'p'.repeat(16) });
    expect(serviceAccount(loadConfig({ MQTT_URL: 'mqtts://svc:secret@b:8883' }))).toBeUndefined();
    const a = serviceAccount(loadConfig({}));
    const b = serviceAccount(loadConfig({}));
    expect(a?.username).toBe('meterbill-service');
    expect(a?.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a?.password).not.toBe(b?.password);
  });
});
