/**
 * The IS 15959 event catalogue: what each event code a meter logs means, whether it marks an
 * occurrence or a restoration (each condition has a pair of codes), and its category. Ingestion
 * accepts only these codes (an unknown one is dead-lettered so a firmware with a new numbering is
 * noticed rather than stored unlabelled); the events API and anomaly rules label events from it.
 *
 * Numbering as in IS 15959 (the Indian companion specification for DLMS/COSEM meter data
 * exchange); the categories follow its grouping of the numbering ranges: voltage related 1–12,
 * current related 51–68, power related 101–102, other (tamper) 201–206, non-rollover 251,
 * control 301–302. Pure data.
 */
export const EVENT_KINDS = ['occurrence', 'restoration'] as const;
export const EVENT_CATEGORIES = ['voltage', 'current', 'power', 'other', 'non_rollover', 'control'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
export type EventCategory = (typeof EVENT_CATEGORIES)[number];

export interface EventInfo {
  code: number;
  /** The condition, e.g. "Power failure". */
  event: string;
  kind: EventKind;
  category: EventCategory;
  /** The condition with its kind, e.g. "Power failure (occurrence)". */
  description: string;
  /** The other code of the pair (restoration of an occurrence and back); null when there is none. */
  pairCode: number | null;
}

function buildCatalogue(): Map<number, EventInfo> {
  const out = new Map<number, EventInfo>();
  const one = (code: number, event: string, kind: EventKind, category: EventCategory, pairCode: number | null, description = `${event} (${kind})`) =>
    out.set(code, { code, event, kind, category, description, pairCode });
  const pair = (code: number, event: string, category: EventCategory) => {
    one(code, event, 'occurrence', category, code + 1);
    one(code + 1, event, 'restoration', category, code);
  };
  const PHASES = ['R', 'Y', 'B'];
  PHASES.forEach((ph, i) => pair(1 + 2 * i, `PT link missing, ${ph} phase`, 'voltage'));
  pair(7, 'Over voltage', 'voltage');
  pair(9, 'Low voltage', 'voltage');
  pair(11, 'Voltage unbalance', 'voltage');
  PHASES.forEach((ph, i) => pair(51 + 2 * i, `CT reversed, ${ph} phase`, 'current'));
  PHASES.forEach((ph, i) => pair(57 + 2 * i, `CT open, ${ph} phase`, 'current'));
  pair(63, 'Current unbalance', 'current');
  pair(65, 'CT bypass', 'current');
  pair(67, 'Over current', 'current');
  pair(101, 'Power failure', 'power');
  pair(201, 'Magnetic influence', 'other');
  pair(203, 'Neutral disturbance', 'other');
  pair(205, 'Very low power factor', 'other');
  // A cover opening is latched for the meter's life (non-rollover): no restoration code.
  one(251, 'Meter cover opened', 'occurrence', 'non_rollover', null, 'Meter cover opened');
  // The load switch: disconnection is the condition, reconnection ends it.
  one(301, 'Load switch disconnected', 'occurrence', 'control', 302, 'Load switch disconnected');
  one(302, 'Load switch disconnected', 'restoration', 'control', 301, 'Load switch connected');
  return out;
}

const CATALOGUE: ReadonlyMap<number, EventInfo> = buildCatalogue();

/** Every catalogued event, in code order. */
export function eventCatalogue(): EventInfo[] {
  return [...CATALOGUE.values()].sort((a, b) => a.code - b.code);
}

export function eventInfo(code: number): EventInfo | undefined {
  return CATALOGUE.get(code);
}

export function isKnownEventCode(code: number): boolean {
  return CATALOGUE.has(code);
}
