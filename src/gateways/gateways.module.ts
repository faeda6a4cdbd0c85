/**
 * The gateways module: gateway MQTT credentials (`/gateway-credentials`, admin). The credentials
 * service itself is created by the composition root for every instance, since the embedded broker
 * of an ingest instance checks logins and ACLs against it.
 */
import type { AppModule } from '../lib/module.js';
import type { GatewayCredentialsService } from './gateway-credentials-service.js';
import { gatewayCredentialsRoutes } from './gateway-credentials.routes.js';

export function createGatewaysModule(deps: { credentials: GatewayCredentialsService }): AppModule {
  return { name: 'gateways', routes: [gatewayCredentialsRoutes({ credentials: deps.credentials })] };
}
