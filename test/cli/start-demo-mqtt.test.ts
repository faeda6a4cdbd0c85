/**
 * `meterbill start` with MQTT_AUTH=required (the default) and the demo simulator on: the simulator
 * logs in with its own credential and its readings are stored, while an anonymous client is refused
 * by the embedded broker (issue 8 #3).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { rawConnect } from '../ingest/raw-mqtt.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('meterbill start: demo simulator through the authenticated embedded broker', () => {
  it('stores the simulator\'s readings and refuses anonymous clients', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'meterbill-start-mqtt-'));
    dirs.push(dataDir);
    const port = await freePort();
    const mqttPort = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
      env: { ...process.env, LOG_LEVEL: 'warn', DATA_DIR: dataDir, PORT: String(port), MQTT_EMBEDDED_PORT: String(mqttPort), DATABASE_URL: '', MQTT_URL: '', DEMO_SIMULATOR: 'true' },
      stdio: 'ignore',
    });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    const keyFile = path.join(dataDir, 'demo-admin-key.txt');
    const stats = async () => {
      try {
        const key = readFileSync(keyFile, 'utf8').trim();
        const r = await fetch(`${base}/ingest/stats`, { headers: { authorization: `Bearer ${key}` } });
        return r.ok ? ((await r.json()) as { ingest: { messages: { stored: number }; deadLetters: Record<string, number> } | null }).ingest : null;
      } catch {
        return null;
      }
    };
    await expect.poll(async () => (await stats())?.messages.stored ?? 0, { timeout: 180_000, interval: 1000 }).toBeGreaterThan(10);
    expect((await stats())?.deadLetters).toEqual({});
    // The CONNACK read off the wire (a client library may report the close that follows it instead).
    const anon = await rawConnect(mqttPort, 'anonymous');
    expect(await anon.connack).toBe(5);
    await anon.closed;
    const exit = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  }, 240_000);
});
