/**
 * The gentle simulator of `meterbill start`: the demo utility's installed meters publish to the
 * configured (or embedded) broker so a new user sees data arrive — the last day of load profile
 * with registers at start, then every few seconds new closed intervals as they come, and the
 * instantaneous values of a rotating few meters. Returns the function that stops it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import type { Config } from '../config/config-schema.js';
import { createPublisher } from './publisher.js';
import { runSimulation } from './run-simulation.js';
import { simMeterFromSpec } from './meter-model.js';
import { loadInstalledMeters, loadLastRegisters } from './fleet-from-db.js';
import { brokerUrl } from '../ingest/broker-url.js';

export interface DemoSimulatorDeps {
  db: Kysely<Database>;
  log: Logger;
  clock: Clock;
  config: Pick<Config, 'MQTT_URL' | 'MQTT_EMBEDDED_PORT' | 'HOST' | 'MQTT_TOPIC_PREFIX' | 'TIMEZONE'>;
  /** The MQTT login to publish with (a gateway credential allowed the demo meters' topics). */
  credential?: { username: string; password: string };
  /** Seconds between publications. Default 10. */
  tickSeconds?: number;
}

/** Each meter's instantaneous values go out once every this many ticks (≈ 5 min at 10 s). */
const INSTANT_EVERY_TICKS = 30;

export async function startDemoSimulator(deps: DemoSimulatorDeps): Promise<() => Promise<void>> {
  const { log, config } = deps;
  const specs = await loadInstalledMeters(deps.db);
  if (!specs.length) {
    log.info('demo simulator: no installed meters; nothing to publish');
    return async () => undefined;
  }
  const stored = await loadLastRegisters(deps.db, specs.map((s) => s.serial));
  const url = brokerUrl(config);
  const publisher = await createPublisher({ url, clientIdPrefix: `meterbill-demo-sim-${process.pid}`, rate: 50, maxInFlight: 100, ...(deps.credential ?? {}) });
  const abort = new AbortController();
  const meters = specs.map((s) => simMeterFromSpec(s, 42));
  log.info({ meters: meters.length, url: url.replace(/\/\/[^@/]*@/, '//[redacted]@') }, 'demo simulator publishing');
  const run = runSimulation({
    // Per-meter topics: one credential covers them (a gateway credential's ACL is its own
    // gateway topic plus the serials listed on it; see docs/mqtt.md, Security).
    plan: { meters, mode: 'meter', batchSize: 50, topicPrefix: config.MQTT_TOPIC_PREFIX, generate: { timeZone: config.TIMEZONE } },
    publisher,
    seed: 42,
    badRatio: 0,
    dupRatio: 0,
    tickSeconds: deps.tickSeconds ?? 10,
    instantEachTick: true,
    instantEvery: INSTANT_EVERY_TICKS,
    storedRegisters: stored,
    signal: abort.signal,
    now: () => deps.clock.now(),
  }).catch((err: unknown) => log.error({ err }, 'demo simulator stopped'));
  return async () => {
    abort.abort();
    await Promise.race([run, new Promise((r) => setTimeout(r, 2000))]);
    await publisher.close();
  };
}
