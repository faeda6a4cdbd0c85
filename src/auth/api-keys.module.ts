/**
 * The API keys module: `/api-keys` (admin). Key verification itself is part of the HTTP platform
 * (every instance that listens checks keys, an ingest-only one too for `/metrics`), so the
 * service is handed in rather than built here.
 */
import type { AppModule } from '../lib/module.js';
import type { ApiKeyService } from './api-key-service.js';
import { apiKeysRoutes } from './api-keys.routes.js';

export function createApiKeysModule(deps: { apiKeys: ApiKeyService }): AppModule {
  return { name: 'api-keys', routes: [apiKeysRoutes({ apiKeys: deps.apiKeys })] };
}
