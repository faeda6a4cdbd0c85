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
  '32.7.0': { kind: 'instant', unit: 'V', description: 'Voltage L1 (R phase)' },
  '52.7.0': { kind: 'instant', unit: 'V', description: 'Voltage L2 (Y phase)' },
  '72.7.0': { kind: 'instant', unit: 'V', description: 'Voltage L3 (B phase)' },
  '31.7.0': { kind: 'instant', unit: 'A', description: 'Current L1 (R phase)' },
  '51.7.0': { kind: 'instant', unit: 'A', description: 'Current L2 (Y phase)' },
  '71.7.0': { kind: 'instant', unit: 'A', description: 'Current L3 (B phase)' },
  '91.7.0': { kind: 'instant', unit: 'A', description: 'Neutral current' },
  '1.7.0': { kind: 'instant', unit: 'kW', description: 'Active power import, instantaneous' },
  '9.7.0': { kind: 'instant', unit: 'kVA', description: 'Apparent power, instantaneous' },
  '13.7.0': { kind: 'instant', unit: 'PF', description: 'Power factor, total (signed: negative = leading)' },
  '14.7.0': { kind: 'instant', unit: 'Hz', description: 'Supply frequency' },
});

export function channelInfo(channel: string): ChannelInfo | undefined {
  return Object.prototype.hasOwnProperty.call(CHANNELS, channel) ? CHANNELS[channel] : undefined;
}

export const MD_RESET_COUNT_CHANNEL = '0.1.0';
