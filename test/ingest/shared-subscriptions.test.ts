/** `$share/` support for the embedded broker: filter matching and one owner per group. */
import { describe, expect, it } from 'vitest';
import { compileFilter, createSharedSubscriptions } from '../../src/ingest/shared-subscriptions.js';

/** The MQTT 3.1.1 matching rules (4.7), level by level: the reference the compiled matcher must equal. */
function reference(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

describe('compileFilter', () => {
  const filters = ['#', '+', 'a', 'a/#', 'a/+', 'a/+/c', '+/+', 'mb/v1/meters/+/data', 'mb/v1/gateways/+/batch', 'a.b/+', 'x/(y)/#', '+/#'];
  const topics = ['', 'a', 'a/', 'a/b', 'a/b/c', 'a/b/c/d', 'ab', 'a.b/x', 'axb/x', 'x/(y)', 'x/(y)/z', 'x/y/z', 'mb/v1/meters/M1/data', 'mb/v1/meters/M1/data/x', 'mb/v1/gateways/G/batch', '/a', 'a//c'];
  it('agrees with the level-by-level rules on every pair', () => {
    for (const f of filters) {
      const m = compileFilter(f);
      for (const t of topics) expect(m(t), `${f} ~ ${t}`).toBe(reference(f, t));
    }
  });
});

describe('createSharedSubscriptions', () => {
  it('queues a QoS 1 message for one member of each group and for every plain subscriber', () => {
    const online = new Set(['c1', 'c2', 'c3', 'plain']);
    const s = createSharedSubscriptions((id) => online.has(id));
    for (const id of ['c1', 'c2', 'c3']) expect(s.join(id, '$share/g/mb/v1/meters/+/data')).toBe('mb/v1/meters/+/data');
    expect(s.join('plain', 'mb/v1/meters/+/data')).toBe('mb/v1/meters/+/data');
    const owners = new Map<string, number>();
    for (let n = 0; n < 30; n++) {
      const packet = { topic: 'mb/v1/meters/M1/data', brokerId: 'b', brokerCounter: n };
      const subs = ['c1', 'c2', 'c3', 'plain'].map((clientId) => ({ clientId }));
      const chosen = s.filterEnqueue(subs, packet).map((x) => x.clientId);
      expect(chosen).toContain('plain');
      const member = chosen.filter((c) => c !== 'plain');
      expect(member).toHaveLength(1);
      owners.set(member[0] as string, (owners.get(member[0] as string) ?? 0) + 1);
      // Only the owner is forwarded the message; the plain subscriber always is.
      for (const id of ['c1', 'c2', 'c3']) expect(s.shouldForward(id, false, { ...packet, qos: 1 })).toBe(id === member[0]);
      expect(s.shouldForward('plain', false, { ...packet, qos: 1 })).toBe(true);
      s.acked(member[0] as string, packet);
    }
    // Round robin over the members online.
    expect([...owners.values()]).toEqual([10, 10, 10]);
    expect(s.remembered()).toBe(0);
  });
});
