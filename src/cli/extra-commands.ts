import type { Command } from 'commander';
import { registerSimulateCommands } from '../simulator/simulate-command.js';
import { registerTariffCommands } from '../tariffs/tariffs.cli.js';
import { registerDeadLetterCommands } from '../ingest/dead-letters.cli.js';
import { registerMqttSessionCommands } from '../ingest/mqtt-sessions.cli.js';
import { registerBillingCommands } from '../billing/billing.cli.js';
import { registerGatewayCommands } from '../gateways/gateway-credentials.cli.js';

/**
 * Feature modules' commands (tariffs, simulate, ...). Each feature exports a
 * `register...Commands(program)`; this is the one place they are attached.
 */
export function registerExtraCommands(program: Command): void {
  registerSimulateCommands(program);
  registerTariffCommands(program);
  registerDeadLetterCommands(program);
  registerMqttSessionCommands(program);
  registerBillingCommands(program);
  registerGatewayCommands(program);
}
