// Shared by the benchmarks: a bench database, `threadline serve` and `threadline demo` as child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { BENCH_ADMIN_SECRET } from './load-generator.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(ROOT, 'bin', 'threadline.js');
export const PG_ADMIN_URL = process.env['BENCH_PG_ADMIN_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Things to undo on exit (servers, databases), run in reverse order, also on SIGINT/SIGTERM. */
export const cleanups: (() => Promise<void> | void)[] = [];
export const cleanupAll = async () => {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch (error) {
      log(`cleanup failed: ${(error as Error).message}`);
    }
  }
};
process.once('SIGINT', () => void cleanupAll().then(() => process.exit(130)));
process.once('SIGTERM', () => void cleanupAll().then(() => process.exit(143)));

export const freePort = () =>
  new Promise<number>((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });

export const databaseUrl = (db: string) => PG_ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${db}$1`);

/** A fresh PostgreSQL database, dropped at exit unless `keep`. */
export const createBenchDatabase = async (name: string, keep: boolean): Promise<string> => {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  if (!keep) {
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      log(`dropped database ${name}`);
    });
  }
  return databaseUrl(name);
};

/** A fresh data directory for an embedded store, removed at exit unless `keep`. */
export const createBenchDataDir = (keep = false): string => {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-bench-'));
  if (!keep) cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

export const childEnv = (storeEnv: Record<string, string>, extra: Record<string, string> = {}) => {
  // Every bench server takes the bench's admin secret, and budgets no benchmark reaches (they measure throughput,
  // not refusals; bench/access-bench.ts measures what authentication, budgets and audit cost)...
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: 'warn',
    THREADLINE_ADMIN_KEY: BENCH_ADMIN_SECRET,
    THREADLINE_RATE_LIMITS: 'default=1000000/1s,guid=1000000/1s,batch=1000000/1s,export=1000000/1s',
    // Nor the load shedding past THREADLINE_MAX_IN_FLIGHT: a benchmark sets it when it measures shedding.
    THREADLINE_MAX_IN_FLIGHT: '100000',
    ...storeEnv,
    ...extra,
  };
  if (storeEnv['THREADLINE_DATA_DIR']) delete env['DATABASE_URL'];
  return env;
};

/** One `threadline demo` run; resolves with its wall-clock seconds, split into creating and projecting. */
export const demoRun = async (storeEnv: Record<string, string>, journeys: number, concurrency: number, seed: number) => {
  const t0 = performance.now();
  let tCreated = Number.NaN;
  const child = spawn(process.execPath, [BIN, 'demo', '--journeys', String(journeys), '--concurrency', String(concurrency), '--seed', String(seed)], {
    env: childEnv(storeEnv),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const kill = () => void child.kill('SIGTERM');
  cleanups.push(kill);
  let tail = '';
  child.stderr!.on('data', (c: Buffer) => {
    const s = c.toString();
    tail = (tail + s).slice(-4000);
    if (s.includes('projecting') && Number.isNaN(tCreated)) tCreated = performance.now();
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  cleanups.splice(cleanups.indexOf(kill), 1);
  if (code !== 0) throw new Error(`demo exited with ${code}:\n${tail}`);
  const totalS = (performance.now() - t0) / 1000;
  const createS = Number.isNaN(tCreated) ? Number.NaN : (tCreated - t0) / 1000;
  return { totalS, createS, projectS: totalS - createS };
};

export interface Server {
  baseUrl: string;
  child: ChildProcess;
  startupS: number;
  stop(): Promise<void>;
  /** SIGKILL (a crash: no draining, no clean close), resolved once the process is gone; no longer stopped at exit. */
  crash(): Promise<void>;
  stderrTail(): string;
}

export interface StartServerOptions {
  /** This loopback port instead of a free one (a restarted server where its clients expect it). */
  port?: number;
  /** Append the server's stdout (its JSON log lines) and stderr to this file. */
  logFile?: string;
}

/**
 * `threadline serve` (or another server given as Node.js arguments, answering GET /healthz) on a free loopback
 * port, healthy before it resolves; stopped with SIGTERM at exit.
 */
export const startServer = async (
  storeEnv: Record<string, string>,
  extraEnv: Record<string, string> = {},
  nodeArgs: string[] = [BIN, 'serve'],
  options: StartServerOptions = {},
): Promise<Server> => {
  const port = options.port ?? (await freePort());
  const t0 = performance.now();
  const logFd = options.logFile ? openSync(options.logFile, 'a') : null;
  // BENCH_PROFILE_DIR=DIR: every server writes a CPU profile there when it stops (Node refuses --cpu-prof in NODE_OPTIONS).
  const profileDir = process.env['BENCH_PROFILE_DIR'];
  const child = spawn(process.execPath, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, ...nodeArgs] : nodeArgs, {
    env: childEnv(storeEnv, { PORT: String(port), HOST: '127.0.0.1', ...extraEnv }),
    stdio: ['ignore', logFd ?? 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr!.on('data', (c: Buffer) => {
    tail = (tail + c.toString()).slice(-8000);
    if (logFd !== null) writeSync(logFd, c);
  });
  let exited = false;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.once('exit', () => (exited = true));
  // The child holds its own copy of the descriptor; ours closes once its stderr has ended too.
  if (logFd !== null) child.once('close', () => closeSync(logFd));
  const crash = async () => {
    const i = cleanups.indexOf(stop);
    if (i >= 0) cleanups.splice(i, 1);
    if (!exited) child.kill('SIGKILL');
    await gone;
  };
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const done = await Promise.race([new Promise((r) => child.once('exit', () => r(true))), sleep(30_000).then(() => false)]);
    if (!done) {
      log('server did not stop within 30 s of SIGTERM; killing it');
      child.kill('SIGKILL');
    }
  };
  cleanups.push(stop);
  const baseUrl = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 180_000; ; ) {
    if (exited) throw new Error(`server exited during start:\n${tail}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server not healthy within 180 s:\n${tail}`);
    await sleep(100);
  }
  const startupS = (performance.now() - t0) / 1000;
  log(`server up on ${baseUrl} in ${startupS.toFixed(1)} s`);
  return { baseUrl, child, startupS, stop, crash, stderrTail: () => tail };
};
