/**
 * `meterbill tariffs ...`: validate a tariff folder, quote a bill from a JSON input file,
 * import an OpenEI URDB rate as a tariff file. Shell only; the work is in the service/importer.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { DomainError } from '../lib/errors.js';

const DEFAULT_DIR = './tariffs';

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new DomainError(`${file}: not JSON (${(e as Error).message})`, 'invalid_json');
  }
}

/** Runs a command body; domain errors print their message (and details) and set exit code 1. */
async function run(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    const { TariffLoadError } = await import('./tariff-loader.js');
    console.error(e instanceof TariffLoadError ? e.message : `error: ${e.message}`);
    if (e.details !== undefined && !(e instanceof TariffLoadError)) console.error(JSON.stringify(e.details, null, 2));
    process.exitCode = 1;
  }
}

export function registerTariffCommands(program: Command): void {
  const t = program.command('tariffs').description('Tariff files: validate, quote, import from URDB');
  t.command('validate')
    .description('Validate every tariff file of a folder (all-or-nothing, as the service loads them)')
    .argument('[dir]', 'tariff folder', DEFAULT_DIR)
    .action((dir: string) => run(async () => {
      const { loadTariffDir } = await import('./tariff-loader.js');
      const files = await loadTariffDir(dir);
      console.log(`${files.length} tariff file(s) valid: ${files.map((f) => `${f.code} (${f.versions.map((v) => v.id).join(', ')})`).join('; ')}`);
    }));
  t.command('quote')
    .description('Quote a bill: a printable table with every line explained, or the bill as JSON')
    .argument('<code>', 'tariff code, e.g. HT-IND')
    .requiredOption('--input <file>', 'quote input JSON (registers or intervals)')
    .option('--dir <dir>', 'tariff folder', DEFAULT_DIR)
    .option('--monthly', 'interval input: one bill per calendar month')
    .addOption(
      new Option('--format <format>', 'table (plain text to print) or json; default: table on a terminal, json when piped')
        .choices(['table', 'json']),
    )
    .action((code: string, opts: { input: string; dir: string; monthly?: boolean; format?: 'table' | 'json' }) => run(async () => {
      const { loadTariffDir } = await import('./tariff-loader.js');
      const { buildCatalog } = await import('./tariff-catalog.js');
      const { tariffServiceOf } = await import('./tariff-service.js');
      const { billTable, monthlyBillsTable } = await import('./bill-table.js');
      const svc = tariffServiceOf(buildCatalog(await loadTariffDir(opts.dir)));
      const input = await readJson(opts.input);
      const format = opts.format ?? (process.stdout.isTTY ? 'table' : 'json');
      if (opts.monthly) {
        const out = svc.quoteMonthly(code, input);
        process.stdout.write(format === 'table' ? monthlyBillsTable(out) : `${JSON.stringify(out, null, 2)}\n`);
      } else {
        const out = svc.quote(code, input);
        process.stdout.write(format === 'table' ? billTable(out) : `${JSON.stringify(out, null, 2)}\n`);
      }
    }));
  t.command('import-urdb')
    .description('Convert an OpenEI URDB rate (JSON) into a tariff file')
    .argument('<file>', 'URDB rate JSON (one record, or an API answer with items[])')
    .option('--out <file>', 'write the YAML here instead of stdout')
    .option('--code <code>', 'tariff code (default URDB-<label>)')
    .option('--timezone <tz>', 'IANA zone for the schedules (URDB has none; SAM uses standard time)', 'UTC')
    .option('--valid-from <date>', 'first day of the version (default: the rate startdate)')
    .action((file: string, opts: { out?: string; code?: string; timezone: string; validFrom?: string }) => run(async () => {
      const { importUrdb } = await import('./urdb/import-urdb.js');
      const { toTariffYaml } = await import('./tariff-yaml.js');
      const tariff = importUrdb(await readJson(file), {
        timezone: opts.timezone, ...(opts.code ? { code: opts.code } : {}), ...(opts.validFrom ? { validFrom: opts.validFrom } : {}),
      });
      const yaml = toTariffYaml(tariff, [`Imported from ${file} by meterbill tariffs import-urdb.`]);
      if (opts.out) {
        await writeFile(opts.out, yaml);
        console.error(`wrote ${opts.out} (${tariff.code})`);
      } else process.stdout.write(yaml);
    }));
}
