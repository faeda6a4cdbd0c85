/**
 * The demo simulator's MQTT credential (`meterbill start`): one gateway credential,
 * `demo-simulator`, allowed to publish the per-meter topics of the installed demo meters. Like the
 * demo admin key, its password is kept in DATA_DIR (mode 600) so restarts reuse it; it is
 * re-issued (the old one revoked) when the file is missing or the meters changed. Users can log in
 * with it too (docs/mqtt.md), or issue their own with `meterbill gateways credentials create`.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { GatewayCredentialsService } from '../gateways/gateway-credentials-service.js';

export const DEMO_GATEWAY_ID = 'demo-simulator';
export const DEMO_CREDENTIAL_FILE = 'demo-mqtt-credential.json';

export interface DemoCredential {
  username: string;
  password: string;
}

export async function ensureDemoCredential(credentials: Pick<GatewayCredentialsService, 'verify' | 'create'>, dataDir: string, serials: string[]): Promise<DemoCredential> {
  const file = path.join(dataDir, DEMO_CREDENTIAL_FILE);
  const existing = await readFile(file, 'utf8').then((s) => JSON.parse(s) as Partial<DemoCredential>, () => undefined);
  const wanted = [...new Set(serials)].sort();
  if (existing?.username && existing.password) {
    const g = await credentials.verify(existing.username, existing.password);
    if (g && g.meters.size === wanted.length && wanted.every((s) => g.meters.has(s))) return { username: existing.username, password: existing.password };
  }
  const { username, password } = await credentials.create(DEMO_GATEWAY_ID, { meters: wanted, label: 'demo simulator (meterbill start)', replace: true });
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify({ username, password }, null, 2)}\n`, { mode: 0o600 });
  return { username, password };
}
