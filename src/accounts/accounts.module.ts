/** The accounts module: consumers (`/consumers`), their tariff checked against the catalogue. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import type { AppModule } from '../lib/module.js';
import { createAccountsService, type AccountsService } from './accounts-service.js';
import { accountsRoutes } from './accounts.routes.js';

export interface AccountsModuleDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** The category of a tariff code, undefined for an unknown code (from the tariffs module). */
  tariffCategory: (code: string) => string | undefined;
}

export interface AccountsModule extends AppModule {
  service: AccountsService;
}

export function createAccountsModule(deps: AccountsModuleDeps): AccountsModule {
  const service = createAccountsService(deps);
  return { name: 'accounts', routes: [accountsRoutes({ accounts: service })], service };
}
