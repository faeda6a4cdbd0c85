/**
 * MQTT shared subscriptions (`$share/{group}/{filter}`) for aedes, which has none of its own.
 * - `authorizeSubscribe` rewrites the subscription to its plain filter and records the client as a
 *   member of the group (persistent sessions keep the rewritten filter, and the membership here).
 * - the persistence's `outgoingEnqueueCombi` (QoS>0 copies for persistent sessions) keeps only one
 *   member per group: the owner, chosen round robin over the members online (any member when none
 *   is), remembered per message until the owner acknowledges it;
 * - `authorizeForward` lets only the owner have the message.
 * A message with no remembered owner (a clean-session member, QoS 0) gets one chosen at its first
 * delivery. When a choice has been forgotten (after the ack, or past MAX_REMEMBERED) a member that
 * still holds a queued copy receives it: a possible duplicate, never a loss; duplicates are no-ops
 * for ingestion.
 */
export interface ForwardPacket {
  topic: string;
  brokerId?: string;
  brokerCounter?: number;
}

interface Membership {
  key: string;
  filter: string;
  /** The filter compiled once: matching runs for every member on every message. */
  matches: (topic: string) => boolean;
}

const MAX_REMEMBERED = 1_000_000;

export function createSharedSubscriptions(isOnline: (clientId: string) => boolean) {
  const members = new Map<string, string[]>(); // group key → client ids
  const byClient = new Map<string, Membership[]>();
  const owners = new Map<string, string>(); // message key + group key → client id
  let turn = 0;

  // aedes asks about one message once per member in a row: the last key is reused.
  let last = { id: '', counter: -1, group: '', key: '' };
  const messageKey = (p: ForwardPacket, groupKey: string) => {
    const id = p.brokerId ?? '';
    const counter = p.brokerCounter ?? -1;
    if (counter !== last.counter || id !== last.id || groupKey !== last.group) {
      last = { id, counter, group: groupKey, key: `${id}:${counter}\u0000${groupKey}` };
    }
    return last.key;
  };
  const groupOf = (clientId: string, topic: string) => byClient.get(clientId)?.find((s) => s.matches(topic));

  function join(clientId: string, topic: string): string {
    const m = /^\$share\/([^/#+]+)\/(.+)$/.exec(topic);
    if (!m) return topic;
    const filter = m[2] as string;
    const key = `${m[1]}\u0000${filter}`;
    const list = members.get(key) ?? [];
    if (!list.includes(clientId)) list.push(clientId);
    members.set(key, list);
    const mine = byClient.get(clientId) ?? [];
    if (!mine.some((x) => x.key === key)) mine.push({ key, filter, matches: compileFilter(filter) });
    byClient.set(clientId, mine);
    return filter;
  }

  function leave(clientId: string): void {
    for (const { key } of byClient.get(clientId) ?? []) {
      members.set(key, (members.get(key) ?? []).filter((c) => c !== clientId));
    }
    byClient.delete(clientId);
  }

  function choose(groupKey: string, packet: ForwardPacket, fallback: string[]): string {
    const list = members.get(groupKey) ?? [];
    const online = list.filter(isOnline);
    const pool = online.length > 0 ? online : fallback.length > 0 ? fallback : list;
    const owner = pool[turn++ % pool.length] as string;
    if (owners.size >= MAX_REMEMBERED) owners.delete(owners.keys().next().value as string);
    owners.set(messageKey(packet, groupKey), owner);
    return owner;
  }

  /** Filters the persistent subscriptions a QoS>0 message is queued for: one owner per group. */
  function filterEnqueue<S extends { clientId: string }>(subs: S[], packet: ForwardPacket): S[] {
    const byGroup = new Map<string, S[]>();
    const out: S[] = [];
    for (const sub of subs) {
      const g = groupOf(sub.clientId, packet.topic);
      if (!g) {
        out.push(sub);
        continue;
      }
      const group = byGroup.get(g.key);
      if (group) group.push(sub);
      else byGroup.set(g.key, [sub]);
    }
    for (const [key, candidates] of byGroup) {
      const owner = owners.get(messageKey(packet, key)) ?? choose(key, packet, candidates.map((c) => c.clientId));
      out.push(...candidates.filter((c) => c.clientId === owner));
    }
    return out;
  }

  /** True when this client is to receive the packet (or its subscription is not shared). */
  function shouldForward(clientId: string, clean: boolean, packet: ForwardPacket & { qos?: number }): boolean {
    const g = groupOf(clientId, packet.topic);
    if (!g) return true;
    const owner = owners.get(messageKey(packet, g.key));
    if (owner !== undefined) return owner === clientId;
    // Persistent member asked about a QoS>0 message with no remembered owner: it holds a queued copy.
    if (!clean && (packet.qos ?? 0) > 0) return true;
    return choose(g.key, packet, []) === clientId;
  }

  /** The owner acknowledged: forget the choice. */
  function acked(clientId: string, packet: ForwardPacket): void {
    const g = groupOf(clientId, packet.topic);
    if (g) owners.delete(messageKey(packet, g.key));
  }

  return { join, leave, filterEnqueue, shouldForward, acked, remembered: () => owners.size };
}

/** MQTT topic filter matching (`+` one level, `#` the rest), as a regular expression built once. */
export function compileFilter(filter: string): (topic: string) => boolean {
  const parts = filter.split('/').map((part, i) => {
    if (part === '#') return i === 0 ? '.*' : '(?:/.*)?';
    const level = part === '+' ? '[^/]*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return i === 0 ? level : `/${level}`;
  });
  const re = new RegExp(`^${parts.join('')}$`, 's');
  return (topic) => re.test(topic);
}
