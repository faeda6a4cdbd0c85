/**
 * Signals through npm. `npm run …` and `npx …` start the command under `sh -c`; on SIGTERM npm
 * forwards the signal to that shell, which dies without passing it on, and npm exits: node is left
 * running as an orphan that never heard the signal (reproduced with npm 11). The scripts in
 * package.json `exec` node so the shell is replaced, but `npx meterbill serve` cannot be changed
 * that way. Under npm (it sets `npm_command`), a process whose parent has gone is therefore told
 * to shut down as if it had received SIGTERM. Outside npm nothing is watched: `nohup node … &`
 * must survive its shell.
 */
export interface ParentWatch {
  stop(): void;
}

export interface ParentWatchOptions {
  env?: NodeJS.ProcessEnv;
  /** The parent's pid now; it changes (to 1 or a subreaper) when the parent exits. */
  ppid?: () => number;
  intervalMs?: number;
}

export function watchParentUnderNpm(onOrphaned: () => void, o: ParentWatchOptions = {}): ParentWatch {
  const env = o.env ?? process.env;
  const ppid = o.ppid ?? (() => process.ppid);
  if (!env.npm_command) return { stop: () => undefined };
  const parent = ppid();
  const timer = setInterval(() => {
    if (ppid() === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, o.intervalMs ?? 500);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
