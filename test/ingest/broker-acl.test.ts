import { describe, expect, it } from 'vitest';
import { createBrokerAcl, type BrokerPrincipal } from '../../src/ingest/broker-acl.js';

const acl = createBrokerAcl('meterbill/v1');
const gw: BrokerPrincipal = { kind: 'gateway', gatewayId: 'GW1', meters: new Set(['LT1']) };
const service: BrokerPrincipal = { kind: 'service' };
const anon: BrokerPrincipal = { kind: 'anonymous' };

describe('embedded broker ACL', () => {
  it.each([
    [gw, 'meterbill/v1/gateways/GW1/batch', true],
    [gw, 'meterbill/v1/gateways/GW1/status/x', true],
    [gw, 'meterbill/v1/gateways/GW10/batch', false],
    [gw, 'meterbill/v1/gateways/GW2/batch', false],
    [gw, 'meterbill/v1/gateways/GW1', false],
    [gw, 'meterbill/v1/meters/LT1/data', true],
    [gw, 'meterbill/v1/meters/LT2/data', false],
    [gw, 'meterbill/v1/meters/LT1/other', false],
    [gw, 'meterbill/v1/meters/LT1/data/x', false],
    [gw, 'meterbill/v2/gateways/GW1/batch', false],
    [gw, '$SYS/broker/x', false],
    [service, 'meterbill/v1/gateways/GW1/batch', false],
    [anon, 'meterbill/v1/anything', true],
    [anon, '$SYS/x', false],
  ] as const)('publish %o %s → %s', (who, topic, ok) => expect(acl.canPublish(who, topic)).toBe(ok));

  it.each([
    [service, '$share/meterbill/meterbill/v1/meters/+/data', true],
    [service, 'meterbill/v1/gateways/+/batch', true],
    [service, '#', false],
    [service, '$share/g/#', false],
    [service, '$SYS/#', false],
    [gw, '$share/meterbill/meterbill/v1/meters/+/data', false],
    [gw, 'meterbill/v1/gateways/GW1/batch', false],
    [anon, '#', true],
  ] as const)('subscribe %o %s → %s', (who, filter, ok) => expect(acl.canSubscribe(who, filter)).toBe(ok));
});
