/**
 * CPU and memory of a process tree from Linux /proc: the benchmark's view of a server
 * (one Node process, or Kamailio's main process and its forked children).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";

let clkTck: number | undefined;
/** Clock ticks per second of utime/stime in /proc/<pid>/stat. */
export const ticksPerSecond = (): number => {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
};

const readStat = (pid: number): { ppid: number; ticks: number } | undefined => {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "latin1");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    // f[0] = state (field 3), f[1] = ppid (4), f[11] = utime (14), f[12] = stime (15).
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
};

/** `root` and every live descendant of it. */
export const processTree = (root: number): number[] => {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = readStat(pid);
    if (st === undefined) continue;
    const list = children.get(st.ppid);
    if (list) list.push(pid);
    else children.set(st.ppid, [pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (readStat(p) === undefined) continue;
    out.push(p);
    for (const c of children.get(p) ?? []) stack.push(c);
  }
  return out;
};

/** User + system CPU ticks used so far by the given processes (all their threads). */
export const cpuTicks = (pids: readonly number[]): number => {
  let t = 0;
  for (const p of pids) t += readStat(p)?.ticks ?? 0;
  return t;
};

const kbField = (text: string, field: string): number => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) : 0;
};

/**
 * Memory of the processes, KiB: `rss` sums VmRSS (counts shared pages once per process),
 * `pss` sums the proportional set size (shared pages split between their users), which is the
 * fair figure for a forking server like Kamailio.
 */
export const memoryKiB = (pids: readonly number[]): { rss: number; pss: number } => {
  let rss = 0;
  let pss = 0;
  for (const p of pids) {
    try {
      rss += kbField(readFileSync(`/proc/${p}/status`, "latin1"), "VmRSS");
    } catch {
      continue;
    }
    try {
      pss += kbField(readFileSync(`/proc/${p}/smaps_rollup`, "latin1"), "Pss");
    } catch {
      pss += 0;
    }
  }
  return { rss, pss };
};

/** Busy and total jiffies of the whole machine (all CPUs) from /proc/stat. */
export const machineJiffies = (): { busy: number; total: number } => {
  const first = readFileSync("/proc/stat", "latin1").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...
  const idle = (first[3] ?? 0) + (first[4] ?? 0);
  const total = first.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
};

/** Whole-machine CPU busy between two machineJiffies() readings, percent of one core (2 cores = 200%). */
export const machinePercent = (m0: { busy: number; total: number }, m1: { busy: number; total: number }): number =>
  m1.total > m0.total ? ((m1.busy - m0.busy) / (m1.total - m0.total)) * 100 * cpus().length : 0;

/** KiB to MiB with one decimal. */
export const mib = (kib: number): number => Math.round((kib / 1024) * 10) / 10;
