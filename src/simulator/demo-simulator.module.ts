/** The demo simulator of `meterbill start` as a module: started last, stopped first. */
import type { AppModule } from '../lib/module.js';
import { startDemoSimulator, type DemoSimulatorDeps } from './demo-simulator.js';

export function createDemoSimulatorModule(deps: DemoSimulatorDeps): AppModule {
  let stop: (() => Promise<void>) | undefined;
  return {
    name: 'demo-simulator',
    start: async () => {
      stop = await startDemoSimulator(deps);
    },
    stop: async () => {
      await stop?.();
    },
  };
}
