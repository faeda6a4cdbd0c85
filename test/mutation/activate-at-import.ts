/**
 * Setup file for mutation runs only (vitest.stryker.config.ts). Stryker's vitest runner switches
 * a mutant on in a `beforeAll` hook when it runs a subset of tests ("runtime" activation), which is
 * after the test file's imports have run: a mutant in code executed at import (module constants,
 * schemas) would be tested switched off and reported as surviving. This switches the mutant on
 * before the test file is imported, so every mutant is active for everything its tests execute.
 * Outside mutation runs Stryker provides no `mode`, and this does nothing.
 */
import { inject } from 'vitest';

const provided = inject as unknown as (key: string) => unknown;
if (provided('mode') === 'mutant') {
  const name = provided('globalNamespace') as string;
  const g = globalThis as unknown as Record<string, { activeMutant?: unknown } | undefined>;
  const ns = (g[name] ??= {});
  ns.activeMutant = provided('activeMutant');
}
