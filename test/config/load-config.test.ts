import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.MQTT_URL).toBeUndefined();
    expect(c.PORT).toBe(3000);
    expect(c.MQTT_EMBEDDED_PORT).toBe(1884);
    expect(c.TIMEZONE).toBe('Asia/Kolkata');
    expect(c.DEMO_SEED).toBe(true);
  });

  it('treats empty URLs as unset', () => {
    const c = loadConfig({ DATABASE_URL: '', MQTT_URL: ' ' });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.MQTT_URL).toBeUndefined();
  });

  it('parses server URLs, numbers and booleans', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      PORT: '8080',
      DEMO_SIMULATOR: 'no',
    });
    expect(c.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(c.PORT).toBe(8080);
    expect(c.DEMO_SIMULATOR).toBe(false);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TIMEZONE: 'Mars/Olympus', LOG_LEVEL: 'loud', DEMO_SEED: 'maybe' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const key of ['PORT', 'DATABASE_URL', 'TIMEZONE', 'LOG_LEVEL', 'DEMO_SEED']) expect(problems).toContain(key);
    expect((error as ConfigError).problems).toHaveLength(5);
  });

  it('runs every module by default; MODULES picks a subset, in a fixed order', () => {
    expect(loadConfig({}).MODULES).toEqual(['api', 'ingest']);
    expect(loadConfig({ MODULES: 'all' }).MODULES).toEqual(['api', 'ingest']);
    expect(loadConfig({ MODULES: '' }).MODULES).toEqual(['api', 'ingest']);
    expect(loadConfig({ MODULES: 'ingest' }).MODULES).toEqual(['ingest']);
    expect(loadConfig({ MODULES: ' ingest , api,api' }).MODULES).toEqual(['api', 'ingest']);
  });

  it('refuses an unknown module, naming it and the known ones', () => {
    let error: unknown;
    try {
      loadConfig({ MODULES: 'api,billing' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'MODULES: unknown module(s) billing; use a comma-separated list of api, ingest, or all (got "api,billing")',
    ]);
  });

  it('refuses MQTT wildcards in the topic prefix', () => {
    expect(() => loadConfig({ MQTT_TOPIC_PREFIX: 'meterbill/#' })).toThrow(/MQTT_TOPIC_PREFIX/);
  });
});
