/**
 * A private Mosquitto running the repository's reference configuration (deploy/mosquitto):
 * `mosquitto.conf` and `acl` as committed, adapted only in paths, port and prefix; a fresh CA and
 * server certificate (openssl) for its TLS listener; a password file written with
 * `mosquitto_passwd -b` (and, for `hashed` users, with meterbill's stored `$7$` hashes, as
 * `meterbill gateways credentials export` writes them). Skips cleanly where mosquitto, mosquitto_passwd
 * or openssl is missing (`referenceMosquittoMissing()`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './net.js';

const run = promisify(execFile);
const DEPLOY = new URL('../../deploy/mosquitto/', import.meta.url);

export interface ReferenceMosquitto {
  /** mqtts://127.0.0.1:{port} */
  url: string;
  port: number;
  /** The private CA (for MQTT_CA_FILE / the `ca` option). */
  ca: Buffer;
  caFile: string;
  dispose(): Promise<void>;
}

export async function referenceMosquittoMissing(): Promise<string | null> {
  const missing: string[] = [];
  for (const [bin, args] of [['mosquitto', ['-h']], ['mosquitto_passwd', ['-h']], ['openssl', ['version']]] as const) {
    const ok = await new Promise<boolean>((resolve) => {
      const p = spawn(bin, [...args], { stdio: 'ignore' });
      p.on('error', () => resolve(false));
      p.on('exit', () => resolve(true));
    });
    if (!ok) missing.push(bin);
  }
  return missing.length ? `reference Mosquitto tests skipped: not on PATH: ${missing.join(', ')}` : null;
}

export async function startReferenceMosquitto(o: {
  prefix: string;
  /** username → password, added with `mosquitto_passwd -b`. */
  users: Record<string, string>;
  /** username → stored `$7$` hash (meterbill's export). */
  hashed?: Record<string, string>;
  /** Extra ACL text (e.g. a per-meter `user` block as the export writes it). */
  extraAcl?: string;
  /** Use the configuration's dynamic-security alternative with this plugin file instead. */
  dynsec?: object;
}): Promise<ReferenceMosquitto> {
  const dir = mkdtempSync(path.join(tmpdir(), 'meterbill-refmosq-'));
  const port = await freePort();
  await certificates(dir);
  const passwd = path.join(dir, 'passwd');
  writeFileSync(passwd, '');
  for (const [u, p] of Object.entries(o.users)) await run('mosquitto_passwd', ['-b', passwd, u, p]);
  for (const [u, h] of Object.entries(o.hashed ?? {})) appendFileSync(passwd, `${u}:${h}\n`);
  const acl = readFileSync(new URL('acl', DEPLOY), 'utf8').replaceAll('meterbill/v1', o.prefix) + (o.extraAcl ?? '');
  writeFileSync(path.join(dir, 'acl'), acl);
  let conf = readFileSync(new URL('mosquitto.conf', DEPLOY), 'utf8')
    .replaceAll('/mosquitto/config/local/', `${dir}/`)
    .replaceAll('/mosquitto/config/certs/', `${dir}/`)
    .replaceAll('/mosquitto/data/', `${dir}/`)
    .replace(/^listener 8883$/m, `listener ${port} 127.0.0.1`);
  if (o.dynsec) {
    writeFileSync(path.join(dir, 'dynamic-security.json'), JSON.stringify(o.dynsec));
    conf = conf
      .replace(/^(password_file|acl_file) .*$/gm, '')
      .replace(/^#plugin \S+$/m, `plugin ${dynsecPlugin()}`)
      .replace(/^#plugin_opt_config_file (\S+)$/m, 'plugin_opt_config_file $1');
  }
  if (conf.split('\n').some((l) => !l.startsWith('#') && l.includes('/mosquitto/'))) throw new Error('reference mosquitto.conf has a path the test does not adapt');
  writeFileSync(path.join(dir, 'mosquitto.conf'), `${conf}\nuser root\nlog_dest none\n`);
  const proc: ChildProcess = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  const end = Date.now() + 10_000;
  while (!(await reachable(port))) {
    if (Date.now() > end || proc.exitCode !== null) throw new Error('reference mosquitto did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const caFile = path.join(dir, 'ca.crt');
  return {
    url: `mqtts://127.0.0.1:${port}`,
    port,
    ca: readFileSync(caFile),
    caFile,
    dispose: async () => {
      if (proc.exitCode === null) {
        const exited = once(proc, 'exit');
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const PLUGIN_PATHS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib'].map((d) => `${d}/mosquitto_dynamic_security.so`);

/** The dynamic-security plugin's path here, or undefined. */
export function dynsecPlugin(): string | undefined {
  return PLUGIN_PATHS.find((p) => existsSync(p));
}

async function certificates(dir: string): Promise<void> {
  const at = (f: string) => path.join(dir, f);
  writeFileSync(at('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=meterbill test CA', '-keyout', at('ca.key'), '-out', at('ca.crt')]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', at('server.key'), '-out', at('server.csr')]);
  await run('openssl', ['x509', '-req', '-in', at('server.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '2', '-out', at('server.crt'), '-extfile', at('san.ext')]);
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
