/**
 * A private Mosquitto (own port, own persistence folder) that a test may stop and start: a real
 * broker restart without disturbing the machine's shared broker. Persistence is saved at a
 * graceful stop (SIGTERM), so queued QoS 1 messages of persistent sessions survive the restart;
 * `kill()` is kill -9: nothing is saved (no autosave in a test's minutes), so the broker comes
 * back without sessions, subscriptions or queued messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { freePort } from '../helpers/net.js';
import path from 'node:path';
import { once } from 'node:events';
import { tcpReachable } from './harness.js';

export interface PrivateMosquitto {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** kill -9 */
  kill(): Promise<void>;
  dispose(): Promise<void>;
}

export async function privateMosquitto(binary = 'mosquitto'): Promise<PrivateMosquitto> {
  const dir = mkdtempSync(path.join(tmpdir(), 'meterbill-mosq-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'max_queued_messages 100000', 'user root', 'log_dest none', ''].join('\n'),
  );
  let proc: ChildProcess | undefined;
  const url = `mqtt://127.0.0.1:${port}`;
  const end = async (signal: NodeJS.Signals) => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = once(p, 'exit');
    p.kill(signal);
    await exited;
  };
  const broker: PrivateMosquitto = {
    url,
    async start() {
      proc = spawn(binary, ['-c', conf], { stdio: 'ignore' });
      const end = Date.now() + 10_000;
      while (!(await tcpReachable(url))) {
        if (Date.now() > end || proc.exitCode !== null) throw new Error('private mosquitto did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    async dispose() {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return broker;
}

export async function mosquittoAvailable(binary = 'mosquitto'): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn(binary, ['-h'], { stdio: 'ignore' });
    p.on('error', () => resolve(false));
    p.on('exit', () => resolve(true));
  });
}
