/**
 * The tariffs module: the catalogue (every tariff file, loaded all-or-nothing: a broken file stops
 * the instance before anything starts), the quote runner's worker threads and `/tariffs`.
 */
import type { Config } from '../config/config-schema.js';
import type { Logger } from '../lib/logger.js';
import type { AppModule } from '../lib/module.js';
import { buildCatalog } from './tariff-catalog.js';
import { loadTariffDir } from './tariff-loader.js';
import { tariffServiceOf, type TariffService } from './tariff-service.js';
import { createQuoteRunner, type QuoteRunner } from './quote-runner.js';
import { tariffRoutes } from './tariffs.routes.js';

export interface TariffsModuleDeps {
  config: Pick<Config, 'TARIFFS_DIR' | 'QUOTE_WORKERS' | 'QUOTE_QUEUE_MAX' | 'QUOTE_TIMEOUT_MS'>;
  log: Logger;
}

export interface TariffsModule extends AppModule {
  service: TariffService;
  quotes: QuoteRunner;
  /** The category of a tariff code (accounts check a consumer's tariff against it). */
  categoryOf(code: string): string | undefined;
}

export async function createTariffsModule({ config, log }: TariffsModuleDeps): Promise<TariffsModule> {
  const files = await loadTariffDir(config.TARIFFS_DIR);
  const service = tariffServiceOf(buildCatalog(files));
  const quotes = createQuoteRunner({
    tariffs: service, files, workers: config.QUOTE_WORKERS, queueMax: config.QUOTE_QUEUE_MAX, timeoutMs: config.QUOTE_TIMEOUT_MS,
  });
  const categories = new Map(service.list().map((t) => [t.code, t.category]));
  return {
    name: 'tariffs',
    routes: [tariffRoutes({ tariffs: service, quotes })],
    // The quote workers warm up in the background: start-up (and /healthz) does not wait for them.
    start: async () => {
      void quotes.warm().catch((err: unknown) => log.warn({ err }, 'quote workers did not start; quotes will retry'));
    },
    stop: () => quotes.close(),
    service,
    quotes,
    categoryOf: (code) => categories.get(code),
  };
}
