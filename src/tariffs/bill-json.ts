/** Bill -> JSON-safe object: every amount and quantity a decimal string, lines numbered. */
import type { Bill, BillJson } from './engine-types.js';

export function toBillJson(b: Bill): BillJson {
  return {
    ...b,
    lines: b.lines.map((l, i) => ({ ...l, seq: i + 1, unrounded: l.unrounded.toFixed(), amount: l.amount.toFixed() })),
    total: b.total.toFixed(),
  };
}
