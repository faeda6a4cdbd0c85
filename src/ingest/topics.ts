/**
 * MQTT topics of payload contract v1. The prefix (MQTT_TOPIC_PREFIX, default `meterbill/v1`)
 * carries the contract version, so a v2 contract can run side by side on `meterbill/v2`.
 *
 *  - `{prefix}/meters/{serial}/data`        one meter's payload (MeterPayload)
 *  - `{prefix}/gateways/{gatewayId}/batch`  a gateway / DCU batch (GatewayBatch) of many meters
 *
 * Consumers subscribe through a shared subscription `$share/{group}/...` so several connections
 * and several service instances split the stream.
 */

export const TOPIC_SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

export function meterTopic(prefix: string, serial: string): string {
  return `${trimSlashes(prefix)}/meters/${serial}/data`;
}

export function gatewayTopic(prefix: string, gatewayId: string): string {
  return `${trimSlashes(prefix)}/gateways/${gatewayId}/batch`;
}

/** Topic filters the ingest service subscribes to (without the `$share/` part). */
export function ingestTopicFilters(prefix: string): string[] {
  const p = trimSlashes(prefix);
  return [`${p}/meters/+/data`, `${p}/gateways/+/batch`];
}

/** `$share/{group}/{filter}`: the broker hands each message to one member of the group. */
export function sharedFilter(group: string, filter: string): string {
  return `$share/${group}/${filter}`;
}

export type ParsedTopic = { kind: 'meter'; serial: string } | { kind: 'gateway'; gatewayId: string } | { kind: 'unknown' };

/**
 * Classifies received topics, the prefix prepared once (the per-message path); anything that is
 * not ours (or has a bad segment) is `unknown`.
 */
export function topicParser(prefix: string): (topic: string) => ParsedTopic {
  const p = `${trimSlashes(prefix)}/`;
  return (topic) => classify(p, topic);
}

function classify(p: string, topic: string): ParsedTopic {
  if (!topic.startsWith(p)) return { kind: 'unknown' };
  const parts = topic.slice(p.length).split('/');
  if (parts.length !== 3) return { kind: 'unknown' };
  const [kind, id, leaf] = parts as [string, string, string];
  if (!TOPIC_SEGMENT.test(id)) return { kind: 'unknown' };
  if (kind === 'meters' && leaf === 'data') return { kind: 'meter', serial: id };
  if (kind === 'gateways' && leaf === 'batch') return { kind: 'gateway', gatewayId: id };
  return { kind: 'unknown' };
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}
