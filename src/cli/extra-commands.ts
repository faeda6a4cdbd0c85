import type { Command } from 'commander';

/**
 * Feature modules' commands (tariffs, simulate, ...). Each feature exports a
 * `register...Commands(program)`; this is the one place they are attached.
 */
export function registerExtraCommands(_program: Command): void {}
