/**
 * The module interface: what one feature contributes to a running instance. Each feature exports
 * `create<Name>Module(deps)` (deps typed narrowly, `Pick<...>` of what it uses) returning an
 * `AppModule`; the composition root (src/app/compose.ts) is an ordered list of them, started in
 * order and stopped in reverse, so a later module may rely on an earlier one being up (ingest
 * after tariffs and meters; the demo simulator after ingest) and stops before it.
 *
 * Metrics: a module registers its Prometheus metrics on the instance's registry, handed in as a
 * dependency (`metrics: Registry`), at construction or at start — prom-client collects them at
 * scrape time, so there is nothing to return.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

export interface ReadinessCheck {
  name: string;
  /** Throws when the dependency is down. May return a note to show instead of plain "ok". */
  check(): Promise<void | string>;
}

export interface AppModule {
  /** Short and unique in an instance: `tariffs`, `ingest`, … (logs, errors, `/readyz` never show it). */
  readonly name: string;
  /** Fastify plugins registered, in list order, on the instance's HTTP app. */
  readonly routes?: readonly FastifyPluginAsyncZod[];
  /** Lines of `/readyz`. */
  readonly readiness?: readonly ReadinessCheck[];
  /** Starts background work (consumers, workers, schedules). Resolves once it runs. */
  start?(): Promise<void>;
  /** Stops it: stop taking work, finish or hand back what is in flight, release connections. */
  stop?(): Promise<void>;
}

/**
 * Starts the modules in order. If one fails, the ones already started are stopped (in reverse)
 * and the error names the module that failed.
 */
export async function startModules(modules: readonly AppModule[], onStart?: (m: AppModule) => void): Promise<void> {
  const started: AppModule[] = [];
  for (const m of modules) {
    try {
      onStart?.(m);
      await m.start?.();
      started.push(m);
    } catch (err) {
      await stopModules(started).catch(() => undefined);
      throw new Error(`module ${m.name} did not start: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
}

/**
 * Stops the modules in reverse order. Every module gets its stop even if an earlier one fails
 * (a writer still gets to flush when the broker's close failed); the first failure is rethrown.
 */
export async function stopModules(modules: readonly AppModule[]): Promise<void> {
  const failures: Array<{ name: string; err: unknown }> = [];
  for (const m of [...modules].reverse()) {
    try {
      await m.stop?.();
    } catch (err) {
      failures.push({ name: m.name, err });
    }
  }
  const first = failures[0];
  if (first) {
    throw new Error(`module ${first.name} did not stop cleanly: ${first.err instanceof Error ? first.err.message : String(first.err)}`, { cause: first.err });
  }
}

/** Every route and readiness check of a list, in order. */
export function routesOf(modules: readonly AppModule[]): FastifyPluginAsyncZod[] {
  return modules.flatMap((m) => m.routes ?? []);
}

export function readinessOf(modules: readonly AppModule[]): ReadinessCheck[] {
  return modules.flatMap((m) => m.readiness ?? []);
}
