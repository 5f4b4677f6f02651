/**
 * Benchmarks that measure the product as users run it: a scratch database on
 * the real PostgreSQL server and the real server process (server/start.ts, as
 * `npm start` runs it), whose memory is read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.SAGASCOPE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface ScratchDb {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database named `<prefix>_<random>`; the prefix keeps benchmarks apart from tests. */
export async function createScratchDb(prefix: string): Promise<ScratchDb> {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`bad database prefix ${prefix}`);
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A database kept by an earlier run (BENCH_*_KEEP_DB); `drop` drops it. */
export function existingDb(name: string): ScratchDb {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export interface ServerProcess {
  pid: number;
  baseUrl: string;
  /** The server's output so far (for errors). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The node arguments of `npm start` (package.json's `start` script, `node …`),
 * so that a benchmark measures the server exactly as users start it: same
 * loader, same V8 flags.
 */
export function npmStartNodeArgs(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [cmd, ...args] = pkg.scripts.start!.trim().split(/\s+/);
  if (cmd !== 'node') throw new Error(`package.json's start script must run node directly (it is: ${pkg.scripts.start})`);
  return args;
}

/**
 * Starts server/start.ts in its own Node process with `npm start`'s node
 * arguments (not through npm, which would put a parent process in between: the
 * pid must be the server's own for /proc/<pid>/status). It builds the UI first
 * when the build is missing or stale, as `npm start` does. `nodeArgs` come
 * before those of `npm start`.
 */
export async function startServer(opts: {
  port: number;
  grpcPort: number;
  httpPort: number;
  databaseUrl: string;
  env?: Record<string, string>;
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(opts.port),
    COLLECTOR_GRPC_PORT: String(opts.grpcPort),
    COLLECTOR_HTTP_PORT: String(opts.httpPort),
    SAGASCOPE_HOST: '127.0.0.1',
    DATABASE_URL: opts.databaseUrl,
    SAGASCOPE_DEMO: 'false',
    SAGASCOPE_LOG_LEVEL: 'warn',
    NEXT_TELEMETRY_DISABLED: '1',
    ...opts.env,
  };
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...npmStartNodeArgs()], {
    cwd: process.cwd(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const baseUrl = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 600_000);
  for (;;) {
    if (exited) throw new Error(`the server exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready in time:\n${out}`);
    }
    try {
      const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    pid: child.pid!,
    baseUrl,
    output: () => out,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}

export interface MemorySample {
  rssKiB: number;
  hwmKiB: number;
}

/** VmRSS and VmHWM (peak RSS over the process's life) of a process, from /proc. */
export function readMemory(pid: number): MemorySample | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat. */
export function readCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime is the 14th field, stime the 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; reports the peak of the samples. */
export function sampleRss(pid: number, everyMs = 100): { stop(): { samples: number; peakKiB: number; lastKiB: number } } {
  let samples = 0;
  let peakKiB = 0;
  let lastKiB = 0;
  const tick = () => {
    const m = readMemory(pid);
    if (!m) return;
    samples++;
    lastKiB = m.rssKiB;
    peakKiB = Math.max(peakKiB, m.rssKiB);
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { samples, peakKiB, lastKiB };
    },
  };
}

export const quantile = (xs: readonly number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
