#!/usr/bin/env node
/** The `meterbill` command line. */
import { Command, Option } from 'commander';
import { loadConfig, ConfigError } from '../config/load-config.js';
import type { Config } from '../config/config-schema.js';
import { createContainer } from '../app/container.js';
import { seedDemo } from '../demo/seed-service.js';
import { SCOPES, type Scope } from '../lib/access.js';
import { runServer } from './run-server.js';
import { ensureDemoAdminKey } from './demo-key.js';
import { registerExtraCommands } from './extra-commands.js';

function config(): Config {
  return loadConfig(process.env);
}

/** Opens the container, runs `fn`, closes it: for one-shot commands. */
async function withContainer<T>(fn: (c: Awaited<ReturnType<typeof createContainer>>) => Promise<T>): Promise<T> {
  const c = await createContainer({ ...config(), LOG_LEVEL: process.env.LOG_LEVEL ? config().LOG_LEVEL : 'warn' });
  try {
    await c.migrate();
    return await fn(c);
  } finally {
    await c.close();
  }
}

const program = new Command('meterbill').description('Metering and billing for electricity distribution utilities');

program
  .command('start')
  .description('Run the service with demo data: embedded database and broker unless configured, seeded utility, simulator')
  .action(async () => {
    const cfg = config();
    await runServer(cfg, {
      beforeListen: async (c) => {
        if (cfg.DEMO_SEED) {
          const r = await seedDemo(c.db);
          if (r.seeded) c.log.info(r, 'demo utility seeded');
        }
      },
      afterListen: async (c, url) => {
        const key = cfg.DATABASE_URL ? undefined : await ensureDemoAdminKey(c);
        printBanner(url, c.config, key);
        if (cfg.DEMO_SIMULATOR) await c.startDemoSimulator();
      },
    });
  });

program
  .command('serve')
  .description('Run the service (production: no demo seeding or simulator)')
  .action(async () => runServer(config()));

program
  .command('migrate')
  .description('Apply pending database migrations (idempotent)')
  .action(async () => {
    const c = await createContainer({ ...config(), LOG_LEVEL: 'warn' });
    try {
      const r = await c.migrate();
      console.log(r.applied.length ? `applied: ${r.applied.join(', ')}` : 'database is up to date');
    } finally {
      await c.close();
    }
  });

program
  .command('seed')
  .description('Seed the demo utility (a few hundred LT and a handful of HT consumers with meters)')
  .option('--force', 'seed even if consumers exist (existing rows are kept)')
  .action(async (opts: { force?: boolean }) => {
    const r = await withContainer((c) => seedDemo(c.db, { force: opts.force ?? false }));
    console.log(r.seeded ? `seeded ${r.accounts} consumers and ${r.meters} meters` : 'consumers exist; nothing seeded (use --force)');
  });

const keys = program.command('keys').description('Manage API keys');
keys
  .command('create')
  .description('Create an API key; prints it once')
  .addOption(new Option('--scope <scopes>', 'comma-separated: read, operate, admin').makeOptionMandatory())
  .option('--name <name>', 'who or what uses the key', 'cli')
  .action(async (opts: { scope: string; name: string }) => {
    const scopes = opts.scope.split(',').map((s) => s.trim());
    const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (bad.length || !scopes.length) throw new Error(`unknown scope(s): ${bad.join(', ')}; use ${SCOPES.join(', ')}`);
    const { key, view } = await withContainer((c) => c.apiKeys.create(opts.name, scopes as Scope[]));
    console.log(key);
    console.error(`created key #${view.id} '${view.name}' with scopes ${view.scopes.join(',')}`);
  });
keys
  .command('list')
  .description('List API keys (never the secrets)')
  .action(async () => {
    const list = await withContainer((c) => c.apiKeys.list());
    for (const k of list) console.log(`${k.id}\t${k.prefix}\t${k.scopes.join(',')}\t${k.name}\t${k.revokedAt ? 'revoked' : 'active'}`);
  });
keys
  .command('revoke <id>')
  .description('Revoke an API key')
  .action(async (id: string) => {
    await withContainer((c) => c.apiKeys.revoke(Number(id)));
    console.log(`revoked key #${id}`);
  });

registerExtraCommands(program);

function printBanner(url: string, cfg: Config, key: string | undefined): void {
  const lines = [
    '',
    `  meterbill is running at ${url}`,
    `  API docs:   ${url}/docs`,
    `  database:   ${cfg.DATABASE_URL ? 'PostgreSQL server' : `embedded (${cfg.DATA_DIR}/pg)`}`,
    `  MQTT:       ${cfg.MQTT_URL?.replace(/\/\/[^@/]*@/, '//[redacted]@') ?? `embedded broker on mqtt://127.0.0.1:${cfg.MQTT_EMBEDDED_PORT} (MQTT_AUTH=${cfg.MQTT_AUTH})`}`,
    ...(key ? [`  admin key:  ${key}`, `  try:        curl -H 'Authorization: Bearer ${key}' ${url}/consumers?limit=5`] : []),
    '',
  ];
  console.log(lines.join('\n'));
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
