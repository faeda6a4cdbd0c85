/**
 * `meterbill dead-letters replay ...`: the CLI face of POST /ingest/dead-letters/replay (same
 * body schema, same service), for operators working on the host.
 */
import type { Command } from 'commander';

interface ReplayOptions {
  id?: string;
  reason?: string;
  serial?: string;
  gateway?: string;
  from?: string;
  to?: string;
  limit: string;
}

export function registerDeadLetterCommands(program: Command): void {
  const dl = program.command('dead-letters').description('Inspect and replay dead letters');
  dl.command('replay')
    .description('Replay dead letters through validation and the writer (idempotent); prints the outcome as JSON')
    .option('--id <ids>', 'comma-separated dead letter ids')
    .option('--reason <reason>', 'e.g. unknown_meter')
    .option('--serial <serial>', 'meter serial')
    .option('--gateway <id>', 'gateway id')
    .option('--from <time>', 'received at or after (ISO 8601 with offset)')
    .option('--to <time>', 'received before (ISO 8601 with offset)')
    .option('--limit <n>', 'letters per run (1–1000)', '100')
    .action(async (o: ReplayOptions) => {
      const { replayBodySchema } = await import('./ingest.routes.js');
      const parsed = replayBodySchema.safeParse({
        ...(o.id ? { ids: o.id.split(',').map((s) => Number(s.trim())) } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
        ...(o.serial ? { serial: o.serial } : {}),
        ...(o.gateway ? { gateway: o.gateway } : {}),
        ...(o.from ? { from: o.from } : {}),
        ...(o.to ? { to: o.to } : {}),
        limit: Number(o.limit),
      });
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; '));
      const { limit, ...filter } = parsed.data;
      const { withDatabase } = await import('../cli/commands.js');
      const { createReplay } = await import('./ingest.module.js');
      // The database alone (no tariffs, no broker): a replay writes through validation and the writer.
      const r = await withDatabase((p) => createReplay({ config: p.config, db: p.db, clock: p.clock }).replay(filter, limit));
      console.log(JSON.stringify(r, null, 2));
    });
}
