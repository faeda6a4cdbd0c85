import { describe, expect, it } from 'vitest';
import { readinessOf, routesOf, startModules, stopModules, type AppModule } from '../../src/lib/module.js';

function recorder() {
  const calls: string[] = [];
  const mod = (name: string, fail?: 'start' | 'stop'): AppModule => ({
    name,
    start: async () => {
      calls.push(`start ${name}`);
      if (fail === 'start') throw new Error(`${name} broke`);
    },
    stop: async () => {
      calls.push(`stop ${name}`);
      if (fail === 'stop') throw new Error(`${name} stuck`);
    },
  });
  return { calls, mod };
}

describe('module list', () => {
  it('starts in order and stops in reverse', async () => {
    const { calls, mod } = recorder();
    const list = [mod('database'), mod('tariffs'), { name: 'readings' }, mod('ingest')];
    await startModules(list);
    await stopModules(list);
    expect(calls).toEqual(['start database', 'start tariffs', 'start ingest', 'stop ingest', 'stop tariffs', 'stop database']);
  });

  it('a module that fails to start stops the started ones, in reverse, and is named', async () => {
    const { calls, mod } = recorder();
    const list = [mod('database'), mod('tariffs'), mod('ingest', 'start'), mod('demo')];
    await expect(startModules(list)).rejects.toThrow('module ingest did not start: ingest broke');
    expect(calls).toEqual(['start database', 'start tariffs', 'start ingest', 'stop tariffs', 'stop database']);
  });

  it('a module that fails to stop does not keep the others from stopping; the failure is reported', async () => {
    const { calls, mod } = recorder();
    const list = [mod('database'), mod('ingest', 'stop'), mod('demo')];
    await expect(stopModules(list)).rejects.toThrow('module ingest did not stop cleanly: ingest stuck');
    expect(calls).toEqual(['stop demo', 'stop ingest', 'stop database']);
  });

  it('collects routes and readiness checks in list order', () => {
    const r1 = async () => undefined;
    const r2 = async () => undefined;
    const c1 = { name: 'database', check: async () => undefined };
    const c2 = { name: 'mqtt', check: async () => undefined };
    const list: AppModule[] = [{ name: 'a', routes: [r1], readiness: [c1] }, { name: 'b' }, { name: 'c', routes: [r2], readiness: [c2] }];
    expect(routesOf(list)).toEqual([r1, r2]);
    expect(readinessOf(list).map((c) => c.name)).toEqual(['database', 'mqtt']);
  });
});
