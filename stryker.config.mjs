// @ts-check
/**
 * Mutation testing (StrykerJS + its vitest runner) over the code where a bug costs money, data
 * or access. One folder per run, so it fits a 2-core machine: `npm run test:mutation -- src/auth`
 * (default: every folder in turn, see scripts/mutation.sh). MUTATE may also name files, to measure
 * part of a folder: `MUTATE="src/tariffs/decimal.ts src/tariffs/engine.ts"`. Each folder is tested
 * by its own tests (vitest.stryker.config.ts). docs/mutation.md has the scores and the equivalent
 * mutants.
 *
 * Incremental: a re-run only tests mutants in code or tests that changed since the stored report
 * (reports/mutation/<folder>.incremental.json, committed for CI, see scripts/mutation-ci.sh).
 *
 * Static mutants (code run at import or while a test file sets up, e.g. a route's options) are
 * tested unless MUTATION_IGNORE_STATIC=1: each such mutant re-runs all of the folder's tests.
 */
const targets = (process.env.MUTATE ?? 'src/tariffs')
  .split(/[\s,]+/)
  .filter(Boolean)
  .map((t) => t.replace(/\/$/, ''));
const name = targets.join('+').replace(/[^a-z0-9+]+/gi, '-').slice(0, 120);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // Only the tests that import the mutated files run for each mutant (vitest's related mode),
  // among the folder's own tests (vitest.stryker.config.ts).
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  mutate: [
    ...targets.map((t) => (t.endsWith('.ts') ? t : `${t}/**/*.ts`)),
    // Wiring, CLI and documentation generators are not logic a unit test pins down.
    '!**/*.cli.ts',
    '!**/*-json-schema.ts',
    '!**/gen-*.ts',
    '!**/payload-docs.ts',
  ],
  coverageAnalysis: 'perTest',
  ignoreStatic: process.env.MUTATION_IGNORE_STATIC === '1',
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  concurrency: 2,
  timeoutMS: 15000,
  // MUTATION_BREAK: scripts/mutation-ci.sh fails a target below its stored score until it reaches 85.
  thresholds: { high: 90, low: 85, break: Number(process.env.MUTATION_BREAK ?? 85) },
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
