/**
 * The vitest configuration of mutation runs (stryker.config.mjs). Each folder under mutation is
 * tested by its own test folders only (MUTATION_TESTS below): a mutant that needs the whole suite
 * re-run (one executed at import or in a `beforeAll`) then costs a minute, not ten. The mutant is
 * switched on before the test file is imported (test/mutation/activate-at-import.ts).
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** Which tests must kill the mutants of a source folder (a file is tested by its folder's tests). */
export const MUTATION_TESTS: Record<string, string[]> = {
  'src/auth': ['test/auth/**/*.test.ts', 'test/api/auth-matrix.test.ts', 'test/api/hardening.test.ts'],
  'src/ingest': ['test/ingest/**/*.test.ts'],
  'src/tariffs': ['test/tariffs/**/*.test.ts'],
};

function testsFor(target: string): string[] {
  const folder = Object.keys(MUTATION_TESTS).find((f) => target === f || target.startsWith(`${f}/`));
  if (!folder) throw new Error(`MUTATE=${target}: no tests are assigned to it in vitest.stryker.config.ts`);
  return MUTATION_TESTS[folder] as string[];
}

const targets = (process.env.MUTATE ?? 'src/tariffs').split(/[\s,]+/).filter(Boolean);

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [...new Set(targets.map((t) => testsFor(t.replace(/\/$/, ''))).flat())],
    setupFiles: ['test/mutation/activate-at-import.ts'],
  },
});
