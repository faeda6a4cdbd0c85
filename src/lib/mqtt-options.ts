/**
 * mqtt.js traces every packet through `debug`, a call with arguments even when tracing is off
 * (~2 % of the per-message CPU in ingestion). Pass these options to turn it off unless
 * DEBUG=mqttjs* asks for the trace.
 */
export function quietMqttLog(env: NodeJS.ProcessEnv = process.env): { log?: () => void } {
  return /mqttjs/.test(env.DEBUG ?? '') ? {} : { log: () => undefined };
}
