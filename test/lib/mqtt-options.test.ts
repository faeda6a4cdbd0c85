import { describe, expect, it } from 'vitest';
import { quietMqttLog } from '../../src/lib/mqtt-options.js';

describe('quietMqttLog', () => {
  it("silences mqtt.js's packet trace unless DEBUG asks for it", () => {
    expect(typeof quietMqttLog({}).log).toBe('function');
    expect(typeof quietMqttLog({ DEBUG: 'other' }).log).toBe('function');
    expect(quietMqttLog({ DEBUG: 'mqttjs*' })).toEqual({});
  });
});
