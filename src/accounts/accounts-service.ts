import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { decodeCursor, toPage, type Page, type PageQuery } from '../lib/pagination.js';
import { accountProblems, tariffProblems } from './account-rules.js';
import type { Account, AccountCreate, AccountFilter, AccountUpdate } from './account-schema.js';
import * as repo from './accounts-repository.js';

export interface AccountsDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** The catalogue's category of a tariff code; undefined when the catalogue has no such tariff. */
  tariffCategory: (code: string) => string | undefined;
}

export function createAccountsService({ db, clock, tariffCategory }: AccountsDeps) {
  function check(a: Parameters<typeof accountProblems>[0] & { tariffCode: string }): void {
    const problems = [...accountProblems(a), ...tariffProblems(a, tariffCategory(a.tariffCode))];
    if (problems.length) throw new ValidationError(problems.join('; '), { problems });
  }

  async function create(input: AccountCreate): Promise<Account> {
    check(input);
    const id = await repo.insertAccount(db, input);
    if (!id) throw new ConflictError(`consumer ${input.accountNo} already exists`);
    return get(input.accountNo);
  }

  async function get(accountNo: string): Promise<Account> {
    const a = await repo.findAccount(db, accountNo);
    if (!a) throw new NotFoundError(`no consumer ${accountNo}`);
    return a;
  }

  async function list(filter: AccountFilter, page: PageQuery): Promise<Page<Account>> {
    const rows = await repo.listAccounts(db, filter, { limit: page.limit, afterId: decodeCursor(page.cursor) });
    return toPage(rows, page.limit, ({ id: _id, ...a }) => a);
  }

  async function update(accountNo: string, patch: AccountUpdate): Promise<Account> {
    return db.transaction().execute(async (trx) => {
      // Lock first, then read and validate the merged account: two concurrent patches that are
      // each valid alone (category HT, voltage 415 V) must not combine into an invalid account.
      if (!(await repo.findAccountId(trx, accountNo, true))) throw new NotFoundError(`no consumer ${accountNo}`);
      const current = (await repo.findAccount(trx, accountNo)) as Account;
      const { expectedVersion, ...changes } = stripUndefined(patch);
      // Nothing to change: a no-op, not a new version (the version counts changes).
      if (Object.keys(changes).length === 0) {
        if (expectedVersion !== undefined && expectedVersion !== current.version) {
          throw new ConflictError(`consumer ${accountNo} changed since version ${expectedVersion}`);
        }
        return current;
      }
      check({ ...current, ...changes });
      const ok = await repo.updateAccount(trx, accountNo, patch, clock.now());
      if (!ok) throw new ConflictError(`consumer ${accountNo} changed since version ${patch.expectedVersion}`);
      return (await repo.findAccount(trx, accountNo)) as Account;
    });
  }

  return { create, get, list, update };
}

export type AccountsService = ReturnType<typeof createAccountsService>;

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
