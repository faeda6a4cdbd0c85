/**
 * A whole app on an isolated test database, plus API keys of every scope, for `inject` tests.
 */
import type { FastifyInstance } from 'fastify';
import { composeInstance, type Instance } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/lib/logger.js';
import type { Scope } from '../../src/lib/access.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

export interface TestApp {
  app: FastifyInstance;
  container: Instance;
  testDb: TestDatabase;
  keys: Record<Scope, string>;
  /** Headers carrying the key of a scope. */
  as(scope: Scope): { authorization: string };
  close(): Promise<void>;
}

export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const testDb = await createTestDatabase();
  const config = loadConfig({ LOG_LEVEL: 'silent', DEMO_SEED: 'false', DEMO_SIMULATOR: 'false', ...env });
  const container = await composeInstance(config, { database: testDb.handle, log: createLogger('silent') });
  const app = await container.buildApp();
  const keys = {} as Record<Scope, string>;
  for (const scope of ['read', 'operate', 'admin'] as const) keys[scope] = (await container.apiKeys.create(`test ${scope}`, [scope])).key;
  return {
    app,
    container,
    testDb,
    keys,
    as: (scope) => ({ authorization: `Bearer ${keys[scope]}` }),
    close: async () => {
      await app.close();
      await container.close();
      await testDb.close();
    },
  };
}
