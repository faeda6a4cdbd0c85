#!/usr/bin/env node
/**
 * The `meterbill` command line. This file only declares the commands: each action imports its
 * implementation when it runs, so `meterbill --help` does not load Fastify, PGlite, the broker or
 * the tariff engine (issue 9 §4: under 1 s).
 */
import { Command, Option } from 'commander';
import { packageVersion } from '../lib/version.js';
import { registerExtraCommands } from './extra-commands.js';

const program = new Command('meterbill')
  .description('Metering and billing for electricity distribution utilities')
  .version(packageVersion(), '-V, --version', 'print the version');

const commands = () => import('./commands.js');

program
  .command('start')
  .description('Run the service with demo data: embedded database and broker unless configured, seeded utility, simulator')
  .action(async () => (await commands()).start());

program
  .command('serve')
  .description('Run the service (production: no demo seeding or simulator); MODULES chooses what this instance runs')
  .action(async () => (await commands()).serve());

program
  .command('migrate')
  .description('Apply pending database migrations (idempotent); names the database first')
  .action(async () => (await commands()).migrate());

program
  .command('seed')
  .description('Seed the demo utility (a few hundred LT and a handful of HT consumers with meters)')
  .option('--force', 'seed even if consumers exist (existing rows are kept)')
  .action(async (opts: { force?: boolean }) => (await commands()).seed(opts.force ?? false));

const keys = program.command('keys').description('Manage API keys');
keys
  .command('create')
  .description('Create an API key; prints it once')
  .addOption(new Option('--scope <scopes>', 'comma-separated: read, operate, admin').makeOptionMandatory())
  .option('--name <name>', 'who or what uses the key', 'cli')
  .action(async (opts: { scope: string; name: string }) => (await commands()).keysCreate(opts.scope, opts.name));
keys
  .command('list')
  .description('List API keys (never the secrets)')
  .action(async () => (await commands()).keysList());
keys
  .command('revoke <id>')
  .description('Revoke an API key')
  .action(async (id: string) => (await commands()).keysRevoke(id));

registerExtraCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
