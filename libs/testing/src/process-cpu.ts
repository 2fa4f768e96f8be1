import { readdirSync, readFileSync } from 'node:fs';

// Benchmarks on a shared 2-core machine report CPU time per operation of
// every process involved, which moves far less with the noise than rates do.

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat (Linux, clock ticks of 10 ms). */
export function processCpuMs(pid: number): number {
  // The name in parentheses may hold spaces; utime and stime are fields 14 and 15 of stat(5), 12 and 13 after it.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Pids of the running processes whose name (/proc/<pid>/comm) is `name`, e.g. `postgres`, `nats-server`. */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // Gone between listing and reading.
    }
  }
  return pids;
}

/** CPU ms of every process named `name` (e.g. PostgreSQL's server and backends); processes gone meanwhile are not counted. */
export function cpuMsOfProcessesNamed(name: string): number {
  let total = 0;
  for (const pid of pidsNamed(name)) {
    try {
      total += processCpuMs(pid);
    } catch {
      // Exited after listing.
    }
  }
  return total;
}
