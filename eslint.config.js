// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The pure core (architecture.md: "pure core, imperative shell"): tariff maths, determinants,
 * payload parsing and validation, the catalogues, the simulator's generators and the pure lib
 * helpers. They take plain data and `now` as arguments; they may not reach I/O, the database,
 * the broker, the logger or the clock. Add a file here when it is pure; test/repo/pure-core-lint.test.ts
 * proves the rules fire.
 */
export const PURE_FILES = [
  'src/tariffs/components/**/*.ts',
  'src/tariffs/urdb/**/*.ts',
  'src/tariffs/{bill-json,bill-schema,bill-table,billing-demand,component-order,decimal,describe,engine-types,engine}.ts',
  'src/tariffs/{interval-aggregate,interval-determinants,lines,monthly,quote-schema,register-determinants}.ts',
  'src/tariffs/{scaled,schedule,segments,tariff-catalog,tariff-parse,tariff-schema,tariff-validate,tariff-yaml}.ts',
  'src/tariffs/{tariff-service,quote-job}.ts',
  'src/ingest/{message-parse,validate,topics,payload-schema,broker-url,unknown-fields}.ts',
  'src/readings/{channels,reading-schema,event-catalogue,multiplying-factor}.ts',
  'src/lib/{access,decimal-schema,errors,local-time,pagination,prng,problem,text-schema,time-query,zod-issues}.ts',
  'src/billing/{account-billing,account-period,bill-build,billing-schema,consumption,cycle-calendar,estimation,max-demand,quote-input,read-selection,tariff-needs,vee-rules}.ts',
  'src/accounts/account-rules.ts',
  'src/demo/demo-utility.ts',
  'src/simulator/{encode,events,faults,generate,load-shapes,meter-model,stream,tod-zones}.ts',
];

const IMPURE = 'pure core (eslint.config.js PURE_FILES): no I/O, database, broker, logger or clock here; take data and `now` as arguments';

const pureCore = {
  files: PURE_FILES,
  rules: {
    'no-restricted-imports': ['error', {
      paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http', 'child_process', 'node:child_process',
        'pg', 'pg-copy-streams', 'kysely', 'mqtt', 'aedes', 'pino', '@electric-sql/pglite', 'node-cron']
        .map((name) => ({ name, message: IMPURE })),
      patterns: [
        { regex: '(^|/)(db|api)/', message: IMPURE },
        { regex: '(^|/)(logger|clock)(\\.js)?$', message: IMPURE },
      ],
    }],
    'no-restricted-syntax': ['error',
      { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: `Date.now(): ${IMPURE}` },
      { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: `new Date() without arguments: ${IMPURE}` },
      { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: `Math.random(): use src/lib/prng.ts with a seed (${IMPURE})` },
      { selector: "MemberExpression[object.name='process'][property.name='env']", message: `process.env: ${IMPURE}` },
    ],
  },
};

export default tseslint.config(
  { ignores: ['reports/', '.stryker-tmp/', 'dist/', 'dist-bench/', 'node_modules/', 'data/', 'coverage/', 'tariffs/*.schema.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  pureCore,
);
