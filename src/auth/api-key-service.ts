import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import { NotFoundError } from '../lib/errors.js';
import type { Principal, Scope } from '../lib/access.js';
import { generateApiKey, hashApiKey, hashesEqual, parseApiKey } from './api-key.js';
import * as repo from './api-key-repository.js';

export interface ApiKeyView {
  id: number;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** How long a verified key is trusted without asking the database again. */
const CACHE_MS = 10_000;
/** Verified keys kept (least recently used dropped first); a deployment has far fewer keys. */
const CACHE_MAX = 10_000;
/** last_used_at is a hint for operators, so it is written at most once a minute per key. */
const TOUCH_MS = 60_000;

/**
 * Keys are SHA-256 hashed (they are 32+ random characters, so a slow hash buys nothing) and
 * verified keys are cached by hash. Only successes are cached and the cache is bounded, so
 * random keys cannot grow it; failed attempts are limited per address before they get here
 * (src/auth/failed-auth-limiter.ts).
 */
export function createApiKeyService({ db, clock, cacheMax = CACHE_MAX }: { db: Kysely<Database>; clock: Clock; cacheMax?: number }) {
  const cache = new Map<string, { principal: Principal; until: number; touched: number }>();

  async function verify(key: string): Promise<Principal | null> {
    const parsed = parseApiKey(key);
    if (!parsed) return null;
    const now = clock.now().getTime();
    const hash = hashApiKey(key);
    const hit = cache.get(hash);
    if (hit) cache.delete(hash); // re-inserted below or now: the Map's order is recency of use
    if (hit && hit.until > now) {
      cache.set(hash, hit);
      return hit.principal;
    }
    const rec = await repo.findApiKeyByPrefix(db, parsed.prefix);
    if (!rec || rec.revokedAt || !hashesEqual(rec.keyHash, hash)) return null;
    const principal = { keyId: rec.id, name: rec.name, scopes: rec.scopes };
    const touched = hit?.touched ?? 0;
    const touch = now - touched > TOUCH_MS;
    if (cache.size >= cacheMax) cache.delete(cache.keys().next().value as string);
    cache.set(hash, { principal, until: now + CACHE_MS, touched: touch ? now : touched });
    if (touch) await repo.touchApiKey(db, principal.keyId, clock.now());
    return principal;
  }

  async function create(name: string, scopes: Scope[]): Promise<{ key: string; view: ApiKeyView }> {
    const g = generateApiKey();
    const rec = await repo.insertApiKey(db, { name, prefix: g.prefix, keyHash: g.hash, scopes: [...new Set(scopes)] });
    return { key: g.key, view: toView(rec) };
  }

  async function list(): Promise<ApiKeyView[]> {
    return (await repo.listApiKeys(db)).map(toView);
  }

  async function revoke(id: number): Promise<ApiKeyView> {
    const rec = await repo.revokeApiKey(db, id, clock.now());
    if (!rec) throw new NotFoundError(`no active API key with id ${id}`);
    cache.clear();
    return toView(rec);
  }

  return { verify, create, list, revoke };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

function toView(r: repo.ApiKeyRecord): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes,
    createdAt: r.createdAt.toISOString(),
    revokedAt: r.revokedAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  };
}
