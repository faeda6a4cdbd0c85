/**
 * `meterbill serve` and `meterbill start`: run the service until SIGINT/SIGTERM, then shut down
 * gracefully (stop taking requests, drain in-flight work, close the broker and the database).
 */
import type { Config } from '../config/config-schema.js';
import { composeInstance, type ComposeOptions, type Instance } from '../app/compose.js';
import { watchParentUnderNpm } from './parent-watch.js';

export interface ServeHooks extends Pick<ComposeOptions, 'progress' | 'demoSimulator'> {
  /** Runs after migration, before listening (seeding, demo key). */
  beforeListen?: (c: Instance) => Promise<void>;
  /** Runs once listening (banner). */
  afterListen?: (c: Instance, url: string) => Promise<void>;
}

export async function runServer(config: Config, hooks: ServeHooks = {}): Promise<void> {
  const c = await composeInstance(config, { ...(hooks.progress ? { progress: hooks.progress } : {}), demoSimulator: hooks.demoSimulator ?? false });
  const progress = hooks.progress ?? ((step: string) => c.log.info(step));
  progress('applying migrations');
  const applied = await c.migrate();
  if (applied.applied.length) c.log.info({ applied: applied.applied }, 'migrations applied');
  await hooks.beforeListen?.(c);
  const app = await c.buildApp();
  await c.start();

  // Handlers in place before listening: a SIGTERM as soon as /healthz answers (an orchestrator,
  // the signals test) must drain, not kill the process while the banner is being printed.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    c.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      c.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    try {
      await app.close();
      await c.close();
      clearTimeout(timer);
      process.exit(0);
    } catch (err) {
      c.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  // `on`, not `once`: a second signal (Ctrl-C reaches node directly and again through npm) must
  // not fall back to the default action and kill the process in the middle of the drain.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  watchParentUnderNpm(() => {
    c.log.warn('the npm process that started meterbill has exited; shutting down');
    void stop('parent-exited');
  });

  try {
    const url = await app.listen({ host: config.HOST, port: config.PORT });
    c.log.info({ url, database: c.database.backend, modules: config.MODULES }, 'meterbill listening');
    await hooks.afterListen?.(c, url);
  } catch (err) {
    // A signal in the meantime closed the app and the database under us: stop() exits.
    if (!stopping) throw err;
  }
}
