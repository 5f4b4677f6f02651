/**
 * CPU seconds used by processes, read from /proc (Linux). Benchmarks on a shared
 * 2-core machine report CPU per unit of work next to wall-clock rates: CPU time
 * moves much less than throughput when other work competes for the cores.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

/** utime + stime of one process (or of its thread `tid`), in seconds; 0 when it is gone. */
export function processCpuSeconds(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** PostgreSQL processes whose process title passes `match`, pid → CPU seconds. */
function postgresCpu(match: (title: string) => boolean): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let title: string;
    try {
      title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (title.startsWith('postgres: ') && match(title)) out.set(Number(entry), processCpuSeconds(Number(entry)));
  }
  return out;
}

/** PostgreSQL backends serving `database` (their process title names it), pid → CPU seconds. */
export function backendCpu(database: string): Map<number, number> {
  return postgresCpu((title) => title.split(' ').includes(database));
}

/** PostgreSQL's own processes (checkpointer, background writer, WAL writer), pid → CPU seconds: work that ingest causes but no backend is charged for. */
export function serverProcessCpu(): Map<number, number> {
  return postgresCpu((title) => /checkpointer|background writer|walwriter/.test(title));
}

/** CPU used between two snapshots of the same processes (processes that exited in between are lost). */
export function cpuSince(now: Map<number, number>, before: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of now) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** CPU the backends of `database` used between a `backendCpu` snapshot and now. */
export function backendCpuSince(database: string, before: Map<number, number>): number {
  return cpuSince(backendCpu(database), before);
}

/**
 * CPU seconds of this process's main thread alone (its task id is the pid):
 * process.cpuUsage() adds every worker thread's, and a collector that hands work
 * to workers should be judged on what is left on the thread that cannot be scaled.
 */
export function mainThreadCpuSeconds(): number {
  return processCpuSeconds(process.pid, process.pid);
}

/**
 * CPU seconds of a process's threads by kind: its main thread, the threads
 * running below the process's priority (the collector's decode workers lower
 * theirs, lib/ingest/decode-worker.ts), and the rest (V8's GC and compiler
 * helpers, libuv's pool). Threads that exited are lost.
 */
export function threadCpu(pid: number): { main: number; lowered: number; other: number } {
  const out = { main: 0, lowered: 0, other: 0 };
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
    // Field 19 of stat is the nice value; fields here start at field 3.
    if (Number(tid) === pid) out.main += seconds;
    else if (Number(fields[16]) > 0) out.lowered += seconds;
    else out.other += seconds;
  }
  return out;
}
