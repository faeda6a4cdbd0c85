/**
 * The IS 15959 numbering (docs: /domain primer; worked here by hand): 1–6 PT link missing per
 * phase R, Y, B; 7–10 over/low voltage; 11–12 voltage unbalance; 51–56 CT reversed; 57–62 CT
 * open; 63–64 current unbalance; 65–66 CT bypass; 67–68 over-current; 101–102 power failure;
 * 201–202 magnetic influence; 203–204 neutral disturbance; 205–206 very low PF; 251 meter cover
 * opened; 301–302 load switch disconnected/connected. Odd codes of a pair are occurrences.
 */
import { describe, expect, it } from 'vitest';
import { eventCatalogue, eventInfo, isKnownEventCode } from '../../src/readings/event-catalogue.js';

describe('the IS 15959 event catalogue', () => {
  it.each([
    [1, 'PT link missing, R phase (occurrence)', 'occurrence', 'voltage', 2],
    [6, 'PT link missing, B phase (restoration)', 'restoration', 'voltage', 5],
    [7, 'Over voltage (occurrence)', 'occurrence', 'voltage', 8],
    [10, 'Low voltage (restoration)', 'restoration', 'voltage', 9],
    [12, 'Voltage unbalance (restoration)', 'restoration', 'voltage', 11],
    [53, 'CT reversed, Y phase (occurrence)', 'occurrence', 'current', 54],
    [62, 'CT open, B phase (restoration)', 'restoration', 'current', 61],
    [63, 'Current unbalance (occurrence)', 'occurrence', 'current', 64],
    [66, 'CT bypass (restoration)', 'restoration', 'current', 65],
    [67, 'Over current (occurrence)', 'occurrence', 'current', 68],
    [101, 'Power failure (occurrence)', 'occurrence', 'power', 102],
    [102, 'Power failure (restoration)', 'restoration', 'power', 101],
    [201, 'Magnetic influence (occurrence)', 'occurrence', 'other', 202],
    [204, 'Neutral disturbance (restoration)', 'restoration', 'other', 203],
    [205, 'Very low power factor (occurrence)', 'occurrence', 'other', 206],
    [251, 'Meter cover opened', 'occurrence', 'non_rollover', null],
    [301, 'Load switch disconnected', 'occurrence', 'control', 302],
    [302, 'Load switch connected', 'restoration', 'control', 301],
  ])('%i: %s', (code, description, kind, category, pairCode) => {
    expect(eventInfo(code)).toMatchObject({ code, description, kind, category, pairCode });
  });

  it('has exactly the 41 codes of the numbering and nothing between the ranges', () => {
    const ranges = [[1, 12], [51, 68], [101, 102], [201, 206], [251, 251], [301, 302]];
    const expected = ranges.flatMap(([a, b]) => Array.from({ length: b! - a! + 1 }, (_, i) => a! + i));
    expect(expected).toHaveLength(41);
    expect(eventCatalogue().map((e) => e.code)).toEqual(expected);
    for (const code of [0, 13, 50, 69, 100, 103, 200, 207, 250, 252, 300, 303, 65535]) expect(isKnownEventCode(code), String(code)).toBe(false);
  });

  it('pairs point at each other, with one condition name for both', () => {
    for (const e of eventCatalogue()) {
      if (e.pairCode === null) continue;
      const p = eventInfo(e.pairCode);
      expect(p?.pairCode).toBe(e.code);
      expect(p?.event).toBe(e.event);
      expect(p?.kind).not.toBe(e.kind);
    }
  });
});
