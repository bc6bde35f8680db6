import fs from 'node:fs';

/**
 * CPU time used so far (user + system, ms) by this process and by child processes given
 * by pid (read from /proc; a pid that cannot be read counts 0). Tells apart "the pipeline
 * burns CPU" from "the pipeline waits on the emulators", which share the same 2 cores.
 */
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function procCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the ")" that closes the command name: state is field 3, utime 14, stime 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export function cpuMs(pids: readonly number[] = []): number {
  const self = process.cpuUsage();
  return (self.user + self.system) / 1000 + pids.reduce((n, pid) => n + procCpuMs(pid), 0);
}
