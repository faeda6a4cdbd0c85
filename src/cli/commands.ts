/**
 * The implementations of the core commands, imported by main.ts when one runs. One-shot commands
 * (migrate, seed, keys) open the database alone — no tariff files, no broker — and say first
 * which database they are talking to.
 */
import type { Config } from '../config/config-schema.js';
import { loadConfig } from '../config/load-config.js';
import type { Platform } from '../app/platform.js';
import { SCOPES, type Scope } from '../lib/access.js';

// The heavy parts (the database driver, Fastify, the broker) are imported by the command that
// needs them, after its first progress line: a person sees something within a second.
const apiKeyService = async (p: Platform) => (await import('../auth/api-key-service.js')).createApiKeyService({ db: p.db, clock: p.clock });

function config(): Config {
  return loadConfig(process.env);
}

/** The configuration of a one-shot command: quiet unless LOG_LEVEL asks otherwise. */
export function oneShotConfig(): Config {
  const cfg = config();
  return { ...cfg, LOG_LEVEL: process.env.LOG_LEVEL ? cfg.LOG_LEVEL : 'warn' };
}

/** Opens the database only, names it on stderr, migrates (unless told not to), runs `fn`, closes. */
export async function withDatabase<T>(fn: (p: Platform) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const { openPlatform } = await import('../app/platform.js');
  const p = await openPlatform(oneShotConfig(), { progress: () => undefined });
  console.error(`database: ${p.target}`);
  try {
    if (opts.migrate !== false) await p.migrate();
    return await fn(p);
  } finally {
    await p.close();
  }
}

export async function start(): Promise<void> {
  const cfg = config();
  // Plain progress lines for a person watching `npm start` (the JSON log stays for operators).
  const progress = (step: string) => console.error(`meterbill: ${step} …`);
  progress(`starting (modules: ${cfg.MODULES.join(', ')})`);
  const { runServer } = await import('./run-server.js');
  const { seedDemo } = await import('../demo/seed-service.js');
  const { ensureDemoAdminKey } = await import('./demo-key.js');
  await runServer(cfg, {
    progress,
    demoSimulator: cfg.DEMO_SIMULATOR,
    beforeListen: async (c) => {
      if (cfg.DEMO_SEED) {
        progress('seeding the demo utility (when empty)');
        const r = await seedDemo(c.db);
        if (r.seeded) c.log.info(r, 'demo utility seeded');
      }
    },
    afterListen: async (c, url) => {
      const key = cfg.DATABASE_URL ? undefined : await ensureDemoAdminKey(c);
      printBanner(url, c.config, c.target, key);
    },
  });
}

export async function serve(): Promise<void> {
  const cfg = config();
  const { runServer } = await import('./run-server.js');
  await runServer(cfg);
}

export async function migrate(): Promise<void> {
  const r = await withDatabase((p) => p.migrate(), { migrate: false });
  console.log(r.applied.length ? `applied: ${r.applied.join(', ')}` : 'database is up to date');
}

export async function seed(force: boolean): Promise<void> {
  const { seedDemo } = await import('../demo/seed-service.js');
  const r = await withDatabase((p) => seedDemo(p.db, { force }));
  console.log(r.seeded ? `seeded ${r.accounts} consumers and ${r.meters} meters` : 'consumers exist; nothing seeded (use --force)');
}

export async function keysCreate(scopeList: string, name: string): Promise<void> {
  const scopes = scopeList.split(',').map((s) => s.trim());
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length || !scopes.length) throw new Error(`unknown scope(s): ${bad.join(', ')}; use ${SCOPES.join(', ')}`);
  const { key, view } = await withDatabase(async (p) => (await apiKeyService(p)).create(name, scopes as Scope[]));
  console.log(key);
  console.error(`created key #${view.id} '${view.name}' with scopes ${view.scopes.join(',')}`);
}

export async function keysList(): Promise<void> {
  const list = await withDatabase(async (p) => (await apiKeyService(p)).list());
  for (const k of list) console.log(`${k.id}\t${k.prefix}\t${k.scopes.join(',')}\t${k.name}\t${k.revokedAt ? 'revoked' : 'active'}`);
}

export async function keysRevoke(id: string): Promise<void> {
  await withDatabase(async (p) => (await apiKeyService(p)).revoke(Number(id)));
  console.log(`revoked key #${id}`);
}

function printBanner(url: string, cfg: Config, target: string, key: string | undefined): void {
  const lines = [
    '',
    `  meterbill is running at ${url}`,
    `  API docs:   ${url}/docs`,
    `  modules:    ${cfg.MODULES.join(', ')}`,
    `  database:   ${target}`,
    `  MQTT:       ${!cfg.MODULES.includes('ingest') ? 'not consumed here (MODULES has no ingest)' : (cfg.MQTT_URL?.replace(/\/\/[^@/]*@/, '//[redacted]@') ?? `embedded broker on mqtt://127.0.0.1:${cfg.MQTT_EMBEDDED_PORT} (MQTT_AUTH=${cfg.MQTT_AUTH})`)}`,
    ...(key ? [`  admin key:  ${key}`, `  try:        curl -H 'Authorization: Bearer ${key}' ${url}/consumers?limit=5`] : []),
    '',
  ];
  console.log(lines.join('\n'));
}
