/**
 * An ingest-only process for the benchmark and the reliability tests: the production wiring
 * (createIngestModule: embedded aedes when MQTT_URL is unset, the ingest service) configured from the
 * environment, no HTTP. Reports over IPC: `ready` with the broker URL, then every 200 ms its
 * ingest stats and RSS (current and peak, sampled from process.memoryUsage()).
 * SIGTERM: graceful stop (flush, ack, disconnect).
 *
 * `redeliveries` counts the PUBLISH packets that arrived with the DUP flag: the broker sending
 * again a message it had sent before and not seen acknowledged (after a kill, a dropped
 * connection or a broker restart). The reliability suite asserts each fault hit such work.
 */
import { MqttClient } from 'mqtt';
import { loadConfig } from '../../src/config/load-config.js';
import { connectDatabase } from '../../src/db/connect.js';
import { createLogger } from '../../src/lib/logger.js';
import { systemClock } from '../../src/lib/clock.js';
import { createMetricsRegistry } from '../../src/api/metrics.js';
import { createIngestModule } from '../../src/ingest/ingest.module.js';
import { createGatewayCredentialsService } from '../../src/gateways/gateway-credentials-service.js';

let redeliveries = 0;
const emit = MqttClient.prototype.emit as (this: MqttClient, event: string | symbol, ...args: unknown[]) => boolean;
MqttClient.prototype.emit = function (this: MqttClient, event: string | symbol, ...args: unknown[]) {
  const packet = args[0] as { cmd?: string; dup?: boolean } | undefined;
  if (event === 'packetreceive' && packet?.cmd === 'publish' && packet.dup) redeliveries++;
  return emit.call(this, event, ...args);
} as typeof MqttClient.prototype.emit;

// The benchmark's publishers connect without credentials: on the embedded broker, MQTT
// authentication is off here unless the environment asks for it.
const config = loadConfig({ MQTT_AUTH: 'off', ...process.env });
const log = createLogger(config.LOG_LEVEL);
const database = await connectDatabase({ databaseUrl: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
const gatewayCredentials = createGatewayCredentialsService({ db: database.db, clock: systemClock, reservedUsernames: [config.MQTT_SERVICE_USERNAME] });
const ingest = createIngestModule({ config, db: database.db, pool: database.pool, log, clock: systemClock, metrics: createMetricsRegistry(), gatewayCredentials });
await ingest.start();

let peakRss = 0;
/** CPU time (user + system) this process has used, ms: the ingester's cost per message. */
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const report = () => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  const m = process.memoryUsage();
  process.send?.({ type: 'stats', stats: ingest.service()?.stats() ?? null, rssMb: rss / 1048576, peakRssMb: peakRss / 1048576, memory: { heapTotalMb: m.heapTotal / 1048576, heapUsedMb: m.heapUsed / 1048576, externalMb: m.external / 1048576 }, cpuMs: cpuMs(), redeliveries });
};
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
const reporter = setInterval(report, 200);
process.send?.({ type: 'ready', brokerUrl: ingest.brokerUrl(), pid: process.pid });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(reporter);
  await ingest.stop();
  report();
  clearInterval(sampler);
  await database.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
// The parent is gone (crashed, killed): stop, but never outlive it for long — a writer retrying
// against a database the parent already dropped would otherwise keep this process for ever.
process.on('disconnect', () => {
  setTimeout(() => process.exit(1), 5000).unref();
  void stop();
});
