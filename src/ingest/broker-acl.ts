/**
 * Who may do what on the embedded broker (issue 8 #3). Pure: no I/O.
 *
 * - the service account subscribes to topic filters under the prefix (its `$share/{group}/...`
 *   ingest filters) and publishes nothing;
 * - a gateway publishes under `{prefix}/gateways/{its id}/#`, and `{prefix}/meters/{serial}/data`
 *   only for the serials on its credential; it subscribes to nothing (a member of the share group
 *   would take messages away from the service);
 * - with MQTT_AUTH=off every client is `anonymous` and may do anything (the old behaviour).
 * The reference Mosquitto ACL (deploy/mosquitto/acl) encodes the same rules.
 */
export type BrokerPrincipal =
  | { kind: 'service' }
  | { kind: 'gateway'; gatewayId: string; meters: ReadonlySet<string> }
  | { kind: 'anonymous' };

const SHARE = /^\$share\/[^/#+]+\/(.+)$/;

export function createBrokerAcl(prefix: string) {
  const p = `${prefix.replace(/^\/+|\/+$/g, '')}/`;

  function canPublish(who: BrokerPrincipal, topic: string): boolean {
    if (topic.startsWith('$SYS')) return false; // reserved for the broker (aedes' own default rule)
    if (who.kind === 'anonymous') return true;
    if (who.kind === 'service') return false;
    if (topic.startsWith(`${p}gateways/${who.gatewayId}/`)) return true;
    const m = topic.startsWith(`${p}meters/`) ? /^([^/]+)\/data$/.exec(topic.slice(p.length + 'meters/'.length)) : null;
    return m !== null && who.meters.has(m[1] as string);
  }

  function canSubscribe(who: BrokerPrincipal, filter: string): boolean {
    if (who.kind === 'anonymous') return true;
    if (who.kind === 'gateway') return false;
    const plain = SHARE.exec(filter)?.[1] ?? filter;
    return plain.startsWith(p);
  }

  return { canPublish, canSubscribe };
}

export type BrokerAcl = ReturnType<typeof createBrokerAcl>;
