// @ts-check
/**
 * Mutation testing (StrykerJS + its vitest runner) over the code where a bug costs money, data
 * or access. One folder per run, so it fits a 2-core machine: `npm run test:mutation -- src/auth`
 * (default: every folder in MUTATION_FOLDERS in turn, see scripts/mutation.sh). Incremental: a
 * re-run only tests mutants in code or tests that changed since the last report of that folder.
 */
const folder = (process.env.MUTATE ?? 'src/tariffs').replace(/\/$/, '');
const name = folder.replace(/[^a-z0-9]+/gi, '-');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // Only the tests that import the mutated files run for each mutant (vitest's related mode).
  vitest: { configFile: 'vitest.config.ts', related: true },
  mutate: [
    `${folder}/**/*.ts`,
    // Wiring, CLI and documentation generators are not logic a unit test pins down.
    '!**/*.cli.ts',
    '!**/*-json-schema.ts',
    '!**/gen-*.ts',
    '!**/payload-docs.ts',
  ],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  concurrency: 2,
  timeoutMS: 15000,
  thresholds: { high: 90, low: 85, break: 85 },
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
