/**
 * Gateway MQTT credentials: issue (the password is returned once), list, revoke, and verify a
 * CONNECT's username/password for the embedded broker. Verified credentials are cached for a few
 * seconds (bounded, least recently used first out) so a reconnect storm does not hash and query
 * once per connection; a revocation clears the cache and tells the listeners (the embedded broker
 * disconnects the gateway at once). Other instances see a revocation within CACHE_MS.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { decodeCursor, toPage, type Page } from '../lib/pagination.js';
import { generateMqttPassword, hashMqttPassword, looksLikeMqttPassword, verifyMqttPassword } from './mqtt-password.js';
import * as repo from './gateway-credentials-repository.js';

export interface GatewayCredentialView {
  id: number;
  gatewayId: string;
  /** The MQTT username: the gateway id. */
  username: string;
  meters: string[];
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface VerifiedGateway {
  credentialId: number;
  gatewayId: string;
  meters: ReadonlySet<string>;
}

const CACHE_MS = 10_000;
const CACHE_MAX = 10_000;
const TOUCH_MS = 60_000;

export interface GatewayCredentialsDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** Usernames that are not gateways (the service account): no credential may take one. */
  reservedUsernames?: readonly string[];
}

export function createGatewayCredentialsService({ db, clock, reservedUsernames = [] }: GatewayCredentialsDeps) {
  const cache = new Map<string, { gateway: VerifiedGateway; until: number }>();
  const touched = new Map<number, number>();
  const revokedListeners: Array<(gatewayId: string) => void> = [];

  async function create(gatewayId: string, o: { meters?: string[]; label?: string | null; replace?: boolean } = {}) {
    if (reservedUsernames.includes(gatewayId)) throw new ValidationError(`'${gatewayId}' is the service account's username; pick another gateway id`);
    const password = generateMqttPassword();
    const passwordHash = await hashMqttPassword(password);
    const meters = [...new Set(o.meters ?? [])].sort();
    let replaced = 0;
    const rec = await db
      .transaction()
      .execute(async (trx) => {
        if (o.replace) replaced = await repo.revokeActiveForGateway(trx, gatewayId, clock.now());
        else {
          const active = await repo.findActiveCredential(trx, gatewayId);
          if (active) throw activeConflict(gatewayId, active.id);
        }
        return repo.insertCredential(trx, { gatewayId, passwordHash, meters, label: o.label ?? null });
      })
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === '23505') throw activeConflict(gatewayId);
        throw err;
      });
    if (replaced > 0) revoked(gatewayId);
    return { username: gatewayId, password, credential: toView(rec) };
  }

  async function list(q: { limit: number; cursor?: string | undefined; gatewayId?: string | undefined; activeOnly?: boolean }): Promise<Page<GatewayCredentialView>> {
    const rows = await repo.listCredentials(db, { afterId: decodeCursor(q.cursor), limit: q.limit + 1, gatewayId: q.gatewayId, activeOnly: q.activeOnly ?? false });
    return toPage(rows, q.limit, toView);
  }

  /** Every active credential (the Mosquitto export), a page at a time. */
  async function* allActive(): AsyncGenerator<repo.GatewayCredentialRecord> {
    let afterId: number | undefined;
    for (;;) {
      const rows = await repo.listCredentials(db, { afterId, limit: 1000, activeOnly: true });
      yield* rows;
      if (rows.length < 1000) return;
      afterId = rows[rows.length - 1]?.id;
    }
  }

  async function revoke(id: number): Promise<GatewayCredentialView> {
    const rec = await repo.revokeCredential(db, id, clock.now());
    if (!rec) throw new NotFoundError(`no active gateway credential with id ${id}`);
    revoked(rec.gatewayId);
    return toView(rec);
  }

  function revoked(gatewayId: string): void {
    cache.clear();
    for (const f of revokedListeners) f(gatewayId);
  }

  /** The gateway a username/password pair belongs to, or null. */
  async function verify(username: string, password: string): Promise<VerifiedGateway | null> {
    if (!looksLikeMqttPassword(password) || username.length > 64) return null;
    const now = clock.now().getTime();
    const key = `${username}\u0000${createHash('sha256').update(password).digest('hex')}`;
    const hit = cache.get(key);
    if (hit) cache.delete(key);
    if (hit && hit.until > now) {
      cache.set(key, hit);
      return hit.gateway;
    }
    const rec = await repo.findActiveCredential(db, username);
    if (!rec || !(await verifyMqttPassword(password, rec.passwordHash))) return null;
    const gateway = { credentialId: rec.id, gatewayId: rec.gatewayId, meters: new Set(rec.meters) };
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(key, { gateway, until: now + CACHE_MS });
    if (now - (touched.get(rec.id) ?? 0) > TOUCH_MS) {
      if (touched.size >= CACHE_MAX) touched.clear();
      touched.set(rec.id, now);
      await repo.touchCredential(db, rec.id, clock.now());
    }
    return gateway;
  }

  return { create, list, allActive, revoke, verify, onRevoked: (f: (gatewayId: string) => void) => void revokedListeners.push(f) };
}

export type GatewayCredentialsService = ReturnType<typeof createGatewayCredentialsService>;

function activeConflict(gatewayId: string, id?: number): ConflictError {
  return new ConflictError(`gateway '${gatewayId}' already has an active credential; revoke it or create with replace`, id === undefined ? undefined : { activeCredentialId: id });
}

function toView(r: repo.GatewayCredentialRecord): GatewayCredentialView {
  return {
    id: r.id,
    gatewayId: r.gatewayId,
    username: r.gatewayId,
    meters: r.meters,
    label: r.label,
    createdAt: r.createdAt.toISOString(),
    revokedAt: r.revokedAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  };
}
