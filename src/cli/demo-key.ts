import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Instance } from '../app/compose.js';

/**
 * The demo's admin key. Only the hash is in the database; for the embedded demo the key itself is
 * kept in DATA_DIR (mode 600) so `npm start` can print it on every start. Never used with a server
 * database: there, create keys with `meterbill keys create`.
 */
export async function ensureDemoAdminKey(c: Pick<Instance, 'config' | 'apiKeys'>): Promise<string> {
  const file = path.join(c.config.DATA_DIR, 'demo-admin-key.txt');
  const existing = await readFile(file, 'utf8').then((s) => s.trim(), () => undefined);
  if (existing && (await c.apiKeys.verify(existing))) return existing;
  const { key } = await c.apiKeys.create('demo admin', ['admin']);
  await mkdir(c.config.DATA_DIR, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}
