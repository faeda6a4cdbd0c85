/**
 * `meterbill mqtt-sessions list` and `meterbill mqtt-sessions drain --instance <id>`: the recorded
 * persistent MQTT sessions, and draining those of an instance that is gone for good (scaled down,
 * or renamed with another MQTT_INSTANCE_ID): nothing else would read what the broker queued there.
 */
import type { Command } from 'commander';
import type { withDatabase as WithDatabase } from '../cli/commands.js';

// The database (and, to drain, the broker) alone, imported when a command runs: no tariff files.
const withDatabase: typeof WithDatabase = async (fn, opts) => (await import('../cli/commands.js')).withDatabase(fn, opts);

export function registerMqttSessionCommands(program: Command): void {
  const cmd = program.command('mqtt-sessions').description('Persistent MQTT sessions of the ingest connections');
  cmd
    .command('list')
    .description('Recorded sessions: client id, instance, state (in use or outstanding, retired), messages drained')
    .action(async () => {
      const rows = await withDatabase((c) => c.db.selectFrom('mqtt_sessions').selectAll().orderBy('instance_id').orderBy('client_id').execute());
      for (const r of rows) {
        const state = r.retired_at ? `retired ${r.retired_at.toISOString()}` : 'recorded';
        console.log(`${r.instance_id}\t${r.client_id}\t${state}\tdrained=${r.drained_messages}\t${r.last_error ?? ''}`.trimEnd());
      }
    });
  cmd
    .command('drain')
    .description('Drain and remove every session recorded under an instance that is stopped for good (never a running one)')
    .requiredOption('--instance <id>', 'its MQTT_INSTANCE_ID')
    .action(async (o: { instance: string }) => {
      const { z } = await import('zod');
      const { configSchema } = await import('../config/config-schema.js');
      const instance = z.string().pipe(configSchema.shape.MQTT_INSTANCE_ID.unwrap()).safeParse(o.instance);
      if (!instance.success) throw new Error(`--instance: ${instance.error.issues.map((i) => i.message).join('; ')}`);
      const { outstandingSessions } = await import('./mqtt-sessions-repository.js');
      const { createIngestModule } = await import('./ingest.module.js');
      const { createMetricsRegistry } = await import('../api/metrics.js');
      const { createGatewayCredentialsService } = await import('../gateways/gateway-credentials-service.js');
      const result = await withDatabase(async (c) => {
        const gatewayCredentials = createGatewayCredentialsService({ db: c.db, clock: c.clock, reservedUsernames: [c.config.MQTT_SERVICE_USERNAME] });
        const ingest = createIngestModule({ config: c.config, db: c.db, pool: c.database.pool, log: c.log, clock: c.clock, metrics: createMetricsRegistry(), gatewayCredentials });
        const stats = await ingest.retireInstance(instance.data);
        const left = await outstandingSessions(c.db, instance.data, []);
        return { instance: instance.data, retired: stats.retired, drainedMessages: stats.drainedMessages, outstanding: left.map((s) => ({ clientId: s.clientId, lastError: s.lastError })) };
      });
      console.log(JSON.stringify(result, null, 2));
      if (result.outstanding.length > 0) process.exitCode = 1;
    });
}
