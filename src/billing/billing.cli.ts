/**
 * `meterbill bill ...`: billing operators' commands, declared here; each action imports
 * billing-commands.ts when it runs, so `meterbill --help` loads none of it. `--workers` runs that
 * many workers in this process; more processes (or instances) may work on the same run at once.
 */
import type { Command } from 'commander';

const impl = () => import('./billing-commands.js');

export function registerBillingCommands(program: Command): void {
  const bill = program.command('bill').description('Billing cycles: cycle groups, runs, bills');
  bill.command('run')
    .description('Run (or resume) the billing cycle of a group and month; idempotent')
    .requiredOption('--group <code>', 'cycle group')
    .requiredOption('--period <YYYY-MM>', 'billing month')
    .option('--dry-run', 'compute and report without issuing bills')
    .option('--workers <n>', 'workers in this process')
    .option('--json', 'print the summary as JSON')
    .action(async (o: { group: string; period: string; dryRun?: boolean; workers?: string; json?: boolean }) => (await impl()).runCycle(o));
  bill.command('group')
    .description('Create or change a cycle group: read day, read window, due days, bill series')
    .argument('<code>')
    .requiredOption('--read-day <d>', 'day of the month the group is read (1-28)')
    .requiredOption('--series <prefix>', 'bill number series (e.g. the division code)')
    .option('--window <days>', 'read window either side of the read day', '2')
    .option('--due-days <n>', 'days from bill date to due date', '15')
    .action(async (code: string, o: { readDay: string; series: string; window: string; dueDays: string }) => (await impl()).setGroup(code, o));
  bill.command('groups').description('List cycle groups').action(async () => (await impl()).listGroups());
}
