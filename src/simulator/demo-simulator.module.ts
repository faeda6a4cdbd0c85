/** The demo simulator of `meterbill start` as a module: started last, stopped first. */
import type { AppModule } from '../lib/module.js';
import { startDemoSimulator, type DemoSimulatorDeps } from './demo-simulator.js';

export type DemoSimulatorModuleDeps = Omit<DemoSimulatorDeps, 'credential'> & {
  /** The MQTT login to publish with, resolved at start (the demo meters exist by then). */
  credential?: () => Promise<DemoSimulatorDeps['credential']>;
};

export function createDemoSimulatorModule(deps: DemoSimulatorModuleDeps): AppModule {
  let stop: (() => Promise<void>) | undefined;
  return {
    name: 'demo-simulator',
    start: async () => {
      const { credential, ...rest } = deps;
      const login = await credential?.();
      stop = await startDemoSimulator({ ...rest, ...(login ? { credential: login } : {}) });
    },
    stop: async () => {
      await stop?.();
    },
  };
}
