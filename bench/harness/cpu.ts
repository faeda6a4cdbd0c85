/** CPU accounting for bench:ingest: the machine's, this process's, Mosquitto's and PostgreSQL's (from /proc). */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU used so far by the machine's Mosquitto and PostgreSQL processes, ms (/proc/<pid>/stat). */
export function serviceCpuMs(): Map<number, { comm: string; ms: number }> {
  const out = new Map<number, { comm: string; ms: number }>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'mosquitto' && !comm.startsWith('postgres')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(pid), { comm: comm.startsWith('postgres') ? 'postgres' : comm, ms: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {
      // the process ended
    }
  }
  return out;
}

export function servicesPerReading(before: ReturnType<typeof serviceCpuMs>, after: ReturnType<typeof serviceCpuMs>, perReading: (ms: number) => number) {
  const sum = { mosquitto: 0, postgres: 0 };
  for (const [pid, a] of after) sum[a.comm as keyof typeof sum] += a.ms - (before.get(pid)?.ms ?? 0);
  return { mosquittoCpuUsPerReading: perReading(sum.mosquitto), postgresCpuUsPerReading: perReading(sum.postgres) };
}

/** CPU this (publishing) process has used, ms. */
export function ownCpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/** CPU time all cores have spent busy since boot, ms (/proc/stat: everything but idle and iowait). */
export function machineBusyMs(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const busy = f.reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0);
    return (busy * 1000) / 100; // USER_HZ = 100 on Linux
  } catch {
    return 0;
  }
}
