/**
 * The embedded broker's authentication and authorisation hooks (issue 8 #3): a CONNECT must carry
 * the service account or an active gateway credential (anonymous clients are refused), and every
 * PUBLISH and SUBSCRIBE is checked against broker-acl.ts. Refusals are logged and counted
 * (`meterbill_mqtt_broker_refusals_total{reason}`), never silent.
 *
 * How a refusal looks to the client (MQTT 3.1.1, which is all aedes speaks):
 * - CONNECT: CONNACK return code 4 (bad user name or password) or 5 (not authorised), then close;
 * - SUBSCRIBE: SUBACK 0x80 (failure) for that filter, the connection stays;
 * - PUBLISH: 3.1.1 has no negative PUBACK, so aedes closes the connection; nothing is forwarded.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Client } from 'aedes';
import type { Logger } from '../lib/logger.js';
import type { FailedAuthLimiter } from '../api/failed-auth-limiter.js';
import type { VerifiedGateway } from '../gateways/gateway-credentials-service.js';
import { createBrokerAcl, type BrokerPrincipal } from './broker-acl.js';

export type RefusalReason = 'bad_credentials' | 'too_many_failures' | 'publish_denied' | 'subscribe_denied' | 'packet_too_large';

export interface BrokerAuthOptions {
  prefix: string;
  service: { username: string; password: string };
  gateways: { verify(username: string, password: string): Promise<VerifiedGateway | null> };
  failures?: FailedAuthLimiter;
}

type AuthError = Error & { returnCode: number };

export function createBrokerAuth(o: BrokerAuthOptions, log: Logger | undefined, refused: (reason: RefusalReason) => void) {
  const acl = createBrokerAcl(o.prefix);
  const principals = new WeakMap<Client, BrokerPrincipal>();
  const serviceUser = o.service.username;
  const serviceDigest = digest(o.service.password);

  function refuse(code: number, message: string): AuthError {
    return Object.assign(new Error(message), { returnCode: code });
  }

  async function identify(username: string | undefined, password: Buffer | undefined): Promise<BrokerPrincipal | null> {
    if (!username || !password || password.length > 256) return null;
    if (username === serviceUser) return timingSafeEqual(digest(password), serviceDigest) ? { kind: 'service' } : null;
    const g = await o.gateways.verify(username, password.toString('utf8'));
    return g ? { kind: 'gateway', gatewayId: g.gatewayId, meters: g.meters } : null;
  }

  return {
    authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (err: AuthError | null, ok: boolean | null) => void): void {
      const address = (client.conn as { remoteAddress?: string }).remoteAddress ?? 'unknown';
      // Per address *and* username: many gateways share an address behind a carrier's NAT, and one
      // of them retrying an old password must not lock the others out. (Passwords are 256-bit
      // random, so the limit is about cost, not guessing: a failure costs a lookup or one hash.)
      const key = `${address}\u0000${username ?? ''}`;
      if (o.failures && o.failures.retryAfterS(key) > 0) {
        refused('too_many_failures');
        return done(refuse(5, 'too many failed connects from this address'), null);
      }
      identify(username, password).then(
        (who) => {
          if (who) {
            principals.set(client, who);
            return done(null, true);
          }
          o.failures?.fail(key);
          refused('bad_credentials');
          log?.warn({ clientId: client.id, username: username ?? null, address }, 'MQTT connect refused: bad or missing credentials');
          done(refuse(username ? 4 : 5, 'bad user name or password'), null);
        },
        (err: Error) => {
          log?.error({ err, clientId: client.id }, 'MQTT credential check failed');
          done(refuse(3, 'server unavailable'), null);
        },
      );
    },
    canPublish(client: Client | null, topic: string): boolean {
      const who = client ? principals.get(client) : undefined;
      const ok = who !== undefined && acl.canPublish(who, topic);
      if (!ok) {
        refused('publish_denied');
        log?.warn({ clientId: client?.id, principal: describe(who), topic }, 'MQTT publish refused: not authorised for this topic; connection closed');
      }
      return ok;
    },
    canSubscribe(client: Client, filter: string): boolean {
      const who = principals.get(client);
      const ok = who !== undefined && acl.canSubscribe(who, filter);
      if (!ok) {
        refused('subscribe_denied');
        log?.warn({ clientId: client.id, principal: describe(who), filter }, 'MQTT subscribe refused (SUBACK 0x80)');
      }
      return ok;
    },
    /** Connected clients of a gateway (to disconnect them when its credential is revoked). */
    isGateway: (client: Client, gatewayId: string) => {
      const who = principals.get(client);
      return who?.kind === 'gateway' && who.gatewayId === gatewayId;
    },
  };
}

function describe(who: BrokerPrincipal | undefined): string {
  if (!who) return 'unknown';
  return who.kind === 'gateway' ? `gateway ${who.gatewayId}` : who.kind;
}

function digest(s: string | Buffer): Buffer {
  return createHash('sha256').update(s).digest();
}
