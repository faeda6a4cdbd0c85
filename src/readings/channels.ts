/**
 * The channel catalogue: every OBIS code (C.D.E, IEC 62056-61 value groups) ingestion accepts,
 * with its kind and unit. Validation uses it (unknown channel → dead letter) and the payload
 * reference is generated from it. Adding a channel here is the only change needed to accept it.
 *
 * Kinds decide validation and storage:
 *  - register: cumulative, never decreases except at a declared rollover (x.8.y)
 *  - interval: energy per load-profile interval, stamped at the interval's end (x.29.0)
 *  - demand:   maximum demand since the last reset, stored with `occurred_at` (x.6.0)
 *  - instant:  instantaneous values, may be negative (x.7.0)
 *  - counter:  MD reset count (0.1.0)
 */
export type ChannelKind = 'register' | 'interval' | 'demand' | 'instant' | 'counter';

export interface ChannelInfo {
  kind: ChannelKind;
  unit: string;
  description: string;
  /**
   * Physically possible values of an instantaneous channel, inclusive: outside them the meter or
   * the gateway is wrong (a negative voltage, a PF above 1), and the sample is dead-lettered
   * `out_of_range` rather than stored as data anomaly rules would trust. Generous on purpose:
   * HT meters may report primary values (up to 400 kV lines, 100 kA) and 0 while the supply is off.
   */
  range?: readonly [min: number, max: number];
}

const TOD_ZONES = 8;

function registers(): Record<string, ChannelInfo> {
  const out: Record<string, ChannelInfo> = {
    '1.8.0': { kind: 'register', unit: 'kWh', description: 'Active energy import, total' },
    '2.8.0': { kind: 'register', unit: 'kWh', description: 'Active energy export, total (net metering)' },
    '5.8.0': { kind: 'register', unit: 'kvarh', description: 'Reactive energy, lagging (Q1)' },
    '8.8.0': { kind: 'register', unit: 'kvarh', description: 'Reactive energy, leading (Q4)' },
    '9.8.0': { kind: 'register', unit: 'kVAh', description: 'Apparent energy import, total' },
  };
  // Time-of-day zone registers (zone numbering comes from the tariff's TOD schedule).
  for (let z = 1; z <= TOD_ZONES; z++) {
    out[`1.8.${z}`] = { kind: 'register', unit: 'kWh', description: `Active energy import, TOD zone ${z}` };
    out[`9.8.${z}`] = { kind: 'register', unit: 'kVAh', description: `Apparent energy import, TOD zone ${z}` };
  }
  return out;
}

export const CHANNELS: Readonly<Record<string, ChannelInfo>> = Object.freeze({
  ...registers(),
  '1.29.0': { kind: 'interval', unit: 'kWh', description: 'Active energy import in the interval (block load survey)' },
  '2.29.0': { kind: 'interval', unit: 'kWh', description: 'Active energy export in the interval' },
  '5.29.0': { kind: 'interval', unit: 'kvarh', description: 'Reactive energy lagging in the interval' },
  '8.29.0': { kind: 'interval', unit: 'kvarh', description: 'Reactive energy leading in the interval' },
  '9.29.0': { kind: 'interval', unit: 'kVAh', description: 'Apparent energy import in the interval' },
  '1.6.0': { kind: 'demand', unit: 'kW', description: 'Maximum demand, active, since last MD reset' },
  '9.6.0': { kind: 'demand', unit: 'kVA', description: 'Maximum demand, apparent, since last MD reset' },
  '0.1.0': { kind: 'counter', unit: 'count', description: 'MD reset count (billing period counter)' },
  '32.7.0': { kind: 'instant', unit: 'V', description: 'Voltage L1 (R phase)', range: [0, 800_000] },
  '52.7.0': { kind: 'instant', unit: 'V', description: 'Voltage L2 (Y phase)', range: [0, 800_000] },
  '72.7.0': { kind: 'instant', unit: 'V', description: 'Voltage L3 (B phase)', range: [0, 800_000] },
  '31.7.0': { kind: 'instant', unit: 'A', description: 'Current L1 (R phase)', range: [0, 100_000] },
  '51.7.0': { kind: 'instant', unit: 'A', description: 'Current L2 (Y phase)', range: [0, 100_000] },
  '71.7.0': { kind: 'instant', unit: 'A', description: 'Current L3 (B phase)', range: [0, 100_000] },
  '91.7.0': { kind: 'instant', unit: 'A', description: 'Neutral current', range: [0, 100_000] },
  '1.7.0': { kind: 'instant', unit: 'kW', description: 'Active power import, instantaneous', range: [0, 10_000_000] },
  '9.7.0': { kind: 'instant', unit: 'kVA', description: 'Apparent power, instantaneous', range: [0, 10_000_000] },
  '13.7.0': { kind: 'instant', unit: 'PF', description: 'Power factor, total (signed: negative = leading)', range: [-1, 1] },
  '14.7.0': { kind: 'instant', unit: 'Hz', description: 'Supply frequency', range: [0, 100] },
});

export function channelInfo(channel: string): ChannelInfo | undefined {
  return Object.prototype.hasOwnProperty.call(CHANNELS, channel) ? CHANNELS[channel] : undefined;
}

export const MD_RESET_COUNT_CHANNEL = '0.1.0';
