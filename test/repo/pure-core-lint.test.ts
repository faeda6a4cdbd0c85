/**
 * The pure-core lint rule (eslint.config.js, PURE_FILES) fires: ESLint's Node API lints a small
 * fixture as if it were a pure file and as if it were shell code. Every forbidden import or call
 * in the fixture must be reported at its line in the pure file and not at all in the shell file.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

// One forbidden thing per line (line numbers matter below).
const FIXTURE = [
  "import { readFileSync } from 'node:fs';", // 1
  "import net from 'node:net';", // 2
  "import pg from 'pg';", // 3
  "import type { Kysely } from 'kysely';", // 4
  "import mqtt from 'mqtt';", // 5
  "import pino from 'pino';", // 6
  "import type { Database } from '../db/schema.js';", // 7
  "import { toProblem } from '../api/problem.js';", // 8
  "import { log } from '../lib/logger.js';", // 9
  "import { systemClock } from '../lib/clock.js';", // 10
  'export const a = Date.now();', // 11
  'export const b = new Date();', // 12
  'export const c = Math.random();', // 13
  'export const d = process.env.TZ;', // 14
  "export const ok = new Date('2025-01-01T00:00:00Z');", // 15: a date from data is fine
  'export const used = [readFileSync, net, pg, mqtt, pino, toProblem, log, systemClock];', // 16
  'export type T = [Kysely<Database>];', // 17
].join('\n');

const RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

async function flagged(filePath: string): Promise<number[]> {
  const [result] = await eslint.lintText(FIXTURE, { filePath: path.join(ROOT, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId && RULES.has(m.ruleId)).map((m) => m.line).sort((x, y) => x - y);
}

describe('the pure-core lint rule', () => {
  it.each(['src/tariffs/engine.ts', 'src/tariffs/components/energy.ts', 'src/ingest/validate.ts', 'src/ingest/message-parse.ts', 'src/lib/local-time.ts'])(
    'reports every I/O, database, broker, logger, clock and ambient-time use in %s',
    async (file) => {
      expect(await flagged(file)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    },
    60_000,
  );
  it.each(['src/tariffs/tariff-loader.ts', 'src/ingest/ingest-service.ts'])('leaves shell code (%s) alone', async (file) => {
    expect(await flagged(file)).toEqual([]);
  }, 60_000);
  it('lib/clock.ts, the source of now for the shell, is not in the pure set', async () => {
    expect(await flagged('src/lib/clock.ts')).toEqual([]);
  }, 60_000);
});
