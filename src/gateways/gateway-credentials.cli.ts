/**
 * `meterbill gateways credentials create|list|revoke|export`: the CLI face of
 * /gateway-credentials (same body schema, same service), and the Mosquitto files written from it.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { withDatabase as WithDatabase } from '../cli/commands.js';
import { createCredentialBody, gatewayIdSchema } from './gateway-credentials.routes.js';
import { hashMqttPassword } from './mqtt-password.js';
import type { GatewayCredentialsService } from './gateway-credentials-service.js';
import { aclFile, dynsecConfig, passwordFileLines, type ExportCredential } from './mosquitto-export.js';

// The database alone, imported when a command runs: no tariff files, no broker.
const withDatabase: typeof WithDatabase = async (fn, opts) => (await import('../cli/commands.js')).withDatabase(fn, opts);

async function withContainer<T>(fn: (c: { gatewayCredentials: GatewayCredentialsService }) => Promise<T>): Promise<T> {
  const { createGatewayCredentialsService } = await import('./gateway-credentials-service.js');
  return withDatabase((c) => fn({ gatewayCredentials: createGatewayCredentialsService({ db: c.db, clock: c.clock, reservedUsernames: [c.config.MQTT_SERVICE_USERNAME] }) }));
}

function issues(e: { issues: Array<{ path: PropertyKey[]; message: string }> }): Error {
  return new Error(e.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; '));
}

export function registerGatewayCommands(program: Command): void {
  const creds = program.command('gateways').description('Gateways (DCUs) and their MQTT access').command('credentials').description('MQTT credentials of gateways');
  creds
    .command('create <gatewayId>')
    .description('Issue a credential; prints the password once (username = gateway id)')
    .option('--meters <serials>', 'comma-separated serials it may also publish on {prefix}/meters/{serial}/data')
    .option('--label <text>', 'what the credential is for')
    .option('--replace', "revoke the gateway's active credential in the same step (rotation)")
    .action(async (gatewayId: string, o: { meters?: string; label?: string; replace?: boolean }) => {
      const parsed = createCredentialBody.safeParse({
        gatewayId,
        ...(o.meters ? { meters: o.meters.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        ...(o.label ? { label: o.label } : {}),
        ...(o.replace ? { replace: true } : {}),
      });
      if (!parsed.success) throw issues(parsed.error);
      const { gatewayId: id, ...rest } = parsed.data;
      const r = await withContainer((c) => c.gatewayCredentials.create(id, rest));
      console.log(r.password);
      console.error(`created credential #${r.credential.id}: MQTT username '${r.username}'${r.credential.meters.length ? `, meters ${r.credential.meters.join(',')}` : ''}; the password above is not shown again`);
    });
  creds
    .command('list')
    .description('List credentials (never the passwords)')
    .option('--gateway <id>', 'one gateway only')
    .option('--active', 'leave revoked credentials out')
    .action(async (o: { gateway?: string; active?: boolean }) => {
      if (o.gateway !== undefined && !gatewayIdSchema.safeParse(o.gateway).success) throw new Error('--gateway: 1–64 letters, digits, _ or -');
      await withContainer(async (c) => {
        let cursor: string | undefined;
        do {
          const page = await c.gatewayCredentials.list({ limit: 500, cursor, gatewayId: o.gateway, activeOnly: o.active ?? false });
          for (const k of page.items) console.log(`${k.id}\t${k.gatewayId}\t${k.revokedAt ? 'revoked' : 'active'}\t${k.meters.length} meters\t${k.lastUsedAt ?? '-'}\t${k.label ?? ''}`);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
      });
    });
  creds
    .command('revoke <id>')
    .description('Revoke a credential (the embedded broker disconnects the gateway)')
    .action(async (id: string) => {
      if (!/^\d{1,10}$/.test(id)) throw new Error('id: a credential id (digits)');
      const v = await withContainer((c) => c.gatewayCredentials.revoke(Number(id)));
      console.log(`revoked credential #${v.id} of gateway ${v.gatewayId}`);
    });
  creds
    .command('export')
    .description('Write a Mosquitto password_file and acl_file (reload with SIGHUP), or a dynamic-security plugin file (restart), from the active credentials')
    .option('--passwd <file>', 'password file to write (with --acl)')
    .option('--acl <file>', 'ACL file to write (with --passwd)')
    .option('--dynsec <file>', 'dynamic-security plugin JSON to write instead (refuses SUBSCRIBEs too; needs MQTT_SERVICE_PASSWORD)')
    .action(async (o: { passwd?: string; acl?: string; dynsec?: string }) => {
      const { loadConfig } = await import('../config/load-config.js');
      const config = loadConfig(process.env);
      if (!o.dynsec && !(o.passwd && o.acl)) throw new Error('give --passwd and --acl, or --dynsec');
      if (o.dynsec && !config.MQTT_SERVICE_PASSWORD) throw new Error('--dynsec: set MQTT_SERVICE_PASSWORD (the service account is part of the file)');
      const list: ExportCredential[] = await withContainer(async (c) => {
        const out: ExportCredential[] = [];
        for await (const r of c.gatewayCredentials.allActive()) out.push({ gatewayId: r.gatewayId, passwordHash: r.passwordHash, meters: r.meters });
        return out;
      });
      const service = config.MQTT_SERVICE_PASSWORD ? { username: config.MQTT_SERVICE_USERNAME, passwordHash: await hashMqttPassword(config.MQTT_SERVICE_PASSWORD) } : undefined;
      if (o.dynsec && service) {
        const json = dynsecConfig({ prefix: config.MQTT_TOPIC_PREFIX, shareGroup: config.MQTT_SHARE_GROUP, service, creds: list });
        await writeFile(o.dynsec, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
        console.error(`wrote the service account and ${list.length} gateway credential(s) to ${o.dynsec}`);
        return;
      }
      if (!o.passwd || !o.acl) return;
      await writeFile(o.passwd, `${passwordFileLines(list, service).join('\n')}\n`, { mode: 0o600 });
      await writeFile(o.acl, aclFile(config.MQTT_TOPIC_PREFIX, config.MQTT_SERVICE_USERNAME, list), { mode: 0o644 });
      console.error(`wrote ${list.length} gateway credential(s)${service ? ' and the service account' : ' (MQTT_SERVICE_PASSWORD unset: add the service account with mosquitto_passwd -b)'} to ${o.passwd}; ACL to ${o.acl}`);
    });
}
