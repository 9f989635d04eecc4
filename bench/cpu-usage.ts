// CPU seconds from Linux /proc (clock ticks of 10 ms): the whole machine's busy time, one process's, and this one's.
// What the machine spent beyond the process measured and the load generator is the database (and the machine's noise).
import { readFileSync } from 'node:fs';

const TICK_S = 0.01;

export const machineBusy = (): number => {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = f.map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) * TICK_S;
};

export const processCpu = (pid: number | undefined): number => {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_S;
};

export const selfCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
