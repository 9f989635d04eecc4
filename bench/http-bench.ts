// HTTP benchmark of `threadline serve`, in embedded (PGlite) and PostgreSQL mode. Starts and stops the server
// itself (a child process on 127.0.0.1), creates and removes its own data directory / database.
//
//   node --import tsx bench/http-bench.ts [--mode pglite|postgres|both] [--scenario guid,log,throughput,query|all]
//        [--journeys 100000] [--populate-chunk 5000 (0 = one demo run)] [--populate-concurrency 32 (postgres) / 8 (pglite)] [--allow-xid-crossing] [--quick] [--json FILE] [--keep]
//        [--reuse-dir DIR | --reuse-db NAME]   (an already populated store: no populate, nothing deleted)
//
// Scenarios (each preceded by a warm-up of the same request at the same rate/concurrency):
//   guid        POST generate-guid, open loop at --guid-rate (50/s) for --guid-duration (20 s)
//   log         POST log-event, open loop at --log-rate (200/s) for --log-duration (30 s) over --log-journeys (1,000) journeys
//   throughput  POST log-event, closed loop with --tp-concurrency (16,64) workers for --tp-duration (30 s) each
//   query       GET journey/{guid}, after populating --journeys journeys with `threadline demo`: open loop at
//               --query-rate (50/s) for --query-duration (30 s), then closed loop with --query-concurrency (8) workers
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { closedLoop, createClient, formatStats, fmtMs, openLoop, type HttpClient, type RunStats } from './load-generator.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'threadline.js');
const PG_ADMIN_URL = process.env['BENCH_PG_ADMIN_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    scenario: { type: 'string', default: 'all' },
    journeys: { type: 'string', default: '100000' },
    'populate-concurrency': { type: 'string' },
    'guid-rate': { type: 'string', default: '50' },
    'guid-duration': { type: 'string', default: '20' },
    'log-rate': { type: 'string', default: '200' },
    'log-duration': { type: 'string', default: '30' },
    'log-journeys': { type: 'string', default: '1000' },
    'tp-concurrency': { type: 'string', default: '16,64' },
    'tp-duration': { type: 'string', default: '30' },
    'query-rate': { type: 'string', default: '50' },
    'query-duration': { type: 'string', default: '30' },
    'query-concurrency': { type: 'string', default: '8' },
    'warmup': { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    json: { type: 'string' },
    'reuse-dir': { type: 'string' },
    'reuse-db': { type: 'string' },
    'allow-xid-crossing': { type: 'boolean', default: false },
    'populate-chunk': { type: 'string', default: '5000' },
  },
});

const num = (name: keyof typeof args) => {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: not a number: ${String(args[name])}`);
  return n;
};
const quick = args.quick;
const secs = (name: keyof typeof args) => (quick ? Math.min(3, num(name)) : num(name)) * 1000;
const cfg = {
  journeys: quick ? Math.min(500, num('journeys')) : num('journeys'),
  populateConcurrency: args['populate-concurrency'] === undefined ? undefined : num('populate-concurrency'),
  guidRate: num('guid-rate'),
  guidMs: secs('guid-duration'),
  logRate: num('log-rate'),
  logMs: secs('log-duration'),
  logJourneys: quick ? Math.min(100, num('log-journeys')) : num('log-journeys'),
  tpConcurrency: String(args['tp-concurrency']).split(',').map(Number),
  tpMs: secs('tp-duration'),
  queryRate: num('query-rate'),
  queryMs: secs('query-duration'),
  queryConcurrency: num('query-concurrency'),
  populateChunk: num('populate-chunk'),
  warmupMs: (quick ? 1 : num('warmup')) * 1000,
};
const ALL = ['guid', 'log', 'throughput', 'query'] as const;
type Scenario = (typeof ALL)[number];
const scenarios: Scenario[] = args.scenario === 'all' ? [...ALL] : (String(args.scenario).split(',') as Scenario[]);
for (const s of scenarios) if (!ALL.includes(s)) throw new Error(`--scenario: unknown scenario ${s} (one of ${ALL.join(', ')}, all)`);
const modes = args.mode === 'both' ? (['pglite', 'postgres'] as const) : [args.mode as 'pglite' | 'postgres'];
for (const m of modes) if (m !== 'pglite' && m !== 'postgres') throw new Error(`--mode: pglite, postgres or both`);

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------
// Cleanup of whatever this process created, also on Ctrl-C.
const cleanups: (() => Promise<void> | void)[] = [];
const cleanupAll = async () => {
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (error) {
      log(`cleanup failed: ${(error as Error).message}`);
    }
  }
};
process.once('SIGINT', () => void cleanupAll().then(() => process.exit(130)));
process.once('SIGTERM', () => void cleanupAll().then(() => process.exit(143)));

const freePort = () =>
  new Promise<number>((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });

interface Store {
  env: Record<string, string>;
  describe: string;
  reused: boolean;
}

const prepareStore = async (mode: 'pglite' | 'postgres', stamp: string): Promise<Store> => {
  if (mode === 'pglite') {
    if (args['reuse-dir']) return { env: { THREADLINE_DATA_DIR: resolve(args['reuse-dir']) }, describe: `reused ${args['reuse-dir']}`, reused: true };
    const dir = mkdtempSync(join(tmpdir(), 'threadline-bench-'));
    if (!args.keep) cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return { env: { THREADLINE_DATA_DIR: dir }, describe: dir, reused: false };
  }
  const url = (db: string) => PG_ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${db}$1`);
  if (args['reuse-db']) return { env: { DATABASE_URL: url(args['reuse-db']) }, describe: `reused database ${args['reuse-db']}`, reused: true };
  const db = `bench_${stamp}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  if (!args.keep) {
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await c.end();
      log(`dropped database ${db}`);
    });
  }
  return { env: { DATABASE_URL: url(db) }, describe: `database ${db}`, reused: false };
};

// The global-log reader in src/ selects `transaction_id::text, global_position::text` and orders by those names,
// which PostgreSQL resolves to the text output columns: the log is read in lexicographic order, and the projection
// fails ("... precedes its journey's creation") or skips events whenever transaction ids cross a power of ten
// (9999 -> 10000, 99999 -> 100000, ...) while it runs. Until that is fixed, the benchmark moves the transaction
// counter past the next power of ten *before* it writes anything, so that no crossing happens during a run.
const XID_BURN_PROC = `CREATE OR REPLACE PROCEDURE threadline_bench_burn_xids(n int) LANGUAGE plpgsql AS $$
  BEGIN FOR i IN 1..n LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`;
const nextPowerOfTen = (x: number) => 10 ** Math.ceil(Math.log10(x + 1));
const xidNeeded = (journeys: number) => journeys * 6 + 300_000;

const guardXids = async (mode: 'pglite' | 'postgres', store: Store, journeys: number): Promise<string | undefined> => {
  if (args['allow-xid-crossing']) return undefined;
  if (mode === 'pglite') {
    if (store.reused) return undefined;
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(join(store.env['THREADLINE_DATA_DIR']!, 'pg'));
    try {
      const current = Number((await db.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x);
      const target = 1_000_001;
      if (current + xidNeeded(journeys) >= 10_000_000) return 'WARNING: the run may cross transaction id 10,000,000';
      await db.exec(XID_BURN_PROC);
      await db.exec(`CALL threadline_bench_burn_xids(${Math.max(0, target - current)})`);
      await db.exec('DROP PROCEDURE threadline_bench_burn_xids');
      return `advanced the fresh embedded store's transaction ids from ${current} to ${target} (work-around for the text-ordered global log)`;
    } finally {
      await db.close();
    }
  }
  const c = new pg.Client({ connectionString: store.env['DATABASE_URL'] });
  await c.connect();
  try {
    const current = Number((await c.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x);
    const boundary = nextPowerOfTen(current);
    if (current + xidNeeded(journeys) < boundary) return `cluster transaction ids at ${current}: no power-of-ten crossing expected during the run`;
    await c.query('SET synchronous_commit = off');
    await c.query(XID_BURN_PROC);
    await c.query(`CALL threadline_bench_burn_xids(${boundary + 1 - current})`);
    await c.query('DROP PROCEDURE threadline_bench_burn_xids');
    return `cluster transaction ids advanced from ${current} past ${boundary} before the run (cluster-wide; work-around for the text-ordered global log)`;
  } finally {
    await c.end();
  }
};

const childEnv = (store: Store, extra: Record<string, string> = {}) => {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), LOG_LEVEL: 'warn', ...store.env, ...extra };
  if (store.env['THREADLINE_DATA_DIR']) delete env['DATABASE_URL'];
  return env;
};

/** One `threadline demo` run: wall-clock seconds, split into creating and projecting. */
const demoRun = async (store: Store, journeys: number, concurrency: number, seed: number, verbose: boolean) => {
  const t0 = performance.now();
  let tCreated = NaN;
  const child = spawn(process.execPath, [BIN, 'demo', '--journeys', String(journeys), '--concurrency', String(concurrency), '--seed', String(seed)], {
    env: childEnv(store),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const kill = () => void child.kill('SIGTERM');
  cleanups.push(kill);
  let tail = '';
  child.stderr!.on('data', (c: Buffer) => {
    const s = c.toString();
    tail = (tail + s).slice(-4000);
    for (const line of s.split('\n').filter(Boolean)) {
      if (line.startsWith('projecting') && Number.isNaN(tCreated)) tCreated = performance.now();
      if (verbose && /\d0%|100%|created/.test(line)) log(`  demo: ${line.trim()}`);
    }
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  cleanups.splice(cleanups.indexOf(kill), 1);
  if (code !== 0) throw new Error(`demo exited with ${code}:\n${tail}`);
  const total = (performance.now() - t0) / 1000;
  const create = Number.isNaN(tCreated) ? NaN : (tCreated - t0) / 1000;
  return { totalS: total, createS: create, projectS: total - create };
};

/**
 * `threadline demo` for `journeys` journeys, in runs of `chunk` (seeds 1, 2, ...; 0 = one run). Several runs keep
 * each run's projection catch-up short: the catch-up cost grows with the square of the events behind it (see
 * RESULTS.md), so one 100,000-journey run spends most of its time projecting.
 */
const populate = async (store: Store, journeys: number, concurrency: number, chunk: number) => {
  const size = chunk > 0 ? chunk : journeys;
  const runs = Math.ceil(journeys / size);
  log(`populating ${journeys} journeys (demo --concurrency ${concurrency}, ${runs} run(s) of up to ${size}) into ${store.describe}`);
  const sum = { totalS: 0, createS: 0, projectS: 0 };
  for (let k = 0; k < runs; k++) {
    const n = Math.min(size, journeys - k * size);
    const r = await demoRun(store, n, concurrency, k + 1, runs === 1);
    sum.totalS += r.totalS;
    sum.createS += r.createS;
    sum.projectS += r.projectS;
    if (runs > 1) log(`  demo run ${k + 1}/${runs} (--journeys ${n} --seed ${k + 1}): ${r.totalS.toFixed(1)} s (create ${r.createS.toFixed(1)} s, project ${r.projectS.toFixed(1)} s)`);
  }
  log(`populated ${journeys} journeys in ${sum.totalS.toFixed(1)} s (creating ${sum.createS.toFixed(1)} s, projecting ${sum.projectS.toFixed(1)} s)`);
  return { journeys, concurrency, chunk: size, runs, ...sum };
};

interface Server {
  baseUrl: string;
  child: ChildProcess;
  startupS: number;
  stop(): Promise<void>;
  stderrTail(): string;
}

const startServer = async (store: Store): Promise<Server> => {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve'], { env: childEnv(store, { PORT: String(port), HOST: '127.0.0.1' }), stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr!.on('data', (c: Buffer) => (tail = (tail + c.toString()).slice(-8000)));
  let exited = false;
  child.once('exit', () => (exited = true));
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
  return { baseUrl, child, startupS, stop, stderrTail: () => tail };
};

// ---------------------------------------------------------------------------------------------------------------
// Request bodies.
const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const COMPONENTS = ['BAT', 'BRK', 'ENG', 'TRN', 'SUS', 'EVB', 'STR', 'COO'];
const randomVin = () => Array.from({ length: 17 }, () => VIN_CHARS[randomInt(VIN_CHARS.length)]).join('');
const guidBody = () => ({
  vin: randomVin(),
  dealer_code: 'DET001',
  risk_event: {
    component_code: COMPONENTS[randomInt(COMPONENTS.length)],
    severity: 'HIGH',
    risk_score: 80,
    timestamp: new Date(Date.UTC(2024, 11, 7, 10) + randomInt(1_000_000) * 1000).toISOString(),
  },
});
const EVENTS = [
  ['EMAIL_SENT', 'EMAIL'],
  ['EMAIL_OPENED', 'EMAIL'],
  ['SMS_SENT', 'SMS'],
] as const;
let eventSeq = 0;
const runId = `${Date.now().toString(36)}${randomInt(1e6).toString(36)}`;
const logBody = (guid: string) => {
  const [event_type, channel] = EVENTS[eventSeq % EVENTS.length]!;
  return { guid, event_type, channel, event_id: `bench-${runId}-${eventSeq++}` };
};

const createGuid = async (client: HttpClient, sink?: string[]) => {
  const r = await client.request('POST', '/api/v2/tracking/generate-guid', guidBody());
  if (r.status !== 201 && r.status !== 200) return false;
  sink?.push((JSON.parse(r.body) as { guid: string }).guid);
  return true;
};

const logEvent = async (client: HttpClient, guids: string[], touched?: { last: string }) => {
  const guid = guids[randomInt(guids.length)]!;
  const r = await client.request('POST', '/api/v2/tracking/log-event', logBody(guid));
  if (touched) touched.last = guid;
  return r.status === 201;
};

/** How long until GET journey for `guid` answers 200 (the projection has caught up with its stream). */
const waitForProjection = async (client: HttpClient, guid: string) => {
  const t0 = performance.now();
  for (let i = 0; i < 120; i++) {
    const r = await client.request('GET', `/api/v2/tracking/journey/${guid}`);
    if (r.status === 200) return (performance.now() - t0) / 1000;
    if (r.status !== 503) throw new Error(`GET journey ${guid}: ${r.status} ${r.body.slice(0, 300)}`);
  }
  throw new Error(`projection still behind after 120 attempts for ${guid}`);
};

// ---------------------------------------------------------------------------------------------------------------
interface ModeResult {
  mode: string;
  store: string;
  populate?: Awaited<ReturnType<typeof populate>>;
  startupS?: number;
  runs: (RunStats & { scenario: string; target?: string; targetP99?: number; note?: string })[];
  notes: string[];
}

const benchMode = async (mode: 'pglite' | 'postgres'): Promise<ModeResult> => {
  const stamp = `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${mode}`;
  const result: ModeResult = { mode, store: '', runs: [], notes: [] };
  const store = await prepareStore(mode, stamp);
  result.store = store.describe;
  const xidNote = await guardXids(mode, store, scenarios.includes('query') ? cfg.journeys : 0);
  if (xidNote) {
    result.notes.push(xidNote);
    log(xidNote);
  }
  if (scenarios.includes('query') && !store.reused && cfg.journeys > 0) {
    result.populate = await populate(store, cfg.journeys, cfg.populateConcurrency ?? (mode === 'postgres' ? 32 : 8), cfg.populateChunk);
  }
  const server = await startServer(store);
  result.startupS = server.startupS;
  const maxConc = Math.max(64, ...cfg.tpConcurrency, cfg.queryConcurrency) * 2;
  const client = createClient(server.baseUrl, maxConc);
  const record = (s: RunStats, scenario: string, targetP99?: number, note?: string) => {
    log(formatStats(s));
    result.runs.push({ ...s, scenario, ...(targetP99 !== undefined ? { targetP99, target: `p99 < ${targetP99} ms` } : {}), ...(note ? { note } : {}) });
  };
  const guids: string[] = [];
  const touched = { last: '' };
  try {
    if (scenarios.includes('guid')) {
      const warm = await openLoop({ label: 'generate-guid warm-up', rate: cfg.guidRate, durationMs: cfg.warmupMs }, () => createGuid(client, guids));
      log(formatStats(warm));
      const s = await openLoop({ label: 'generate-guid', rate: cfg.guidRate, durationMs: cfg.guidMs }, () => createGuid(client, guids));
      record(s, 'guid', 10);
    }
    if (scenarios.includes('log') || scenarios.includes('throughput')) {
      if (guids.length < cfg.logJourneys) {
        log(`creating ${cfg.logJourneys - guids.length} journeys for the log-event scenarios`);
        const s = await closedLoop({ label: 'setup generate-guid', concurrency: 8, durationMs: 300_000, maxRequests: cfg.logJourneys - guids.length }, () => createGuid(client, guids));
        log(formatStats(s));
      }
      guids.length = Math.min(guids.length, cfg.logJourneys);
    }
    if (scenarios.includes('log')) {
      const warm = await openLoop({ label: 'log-event warm-up', rate: cfg.logRate, durationMs: cfg.warmupMs }, () => logEvent(client, guids));
      log(formatStats(warm));
      const s = await openLoop({ label: 'log-event', rate: cfg.logRate, durationMs: cfg.logMs }, () => logEvent(client, guids, touched));
      record(s, 'log', 50, `${guids.length} journeys`);
      const lag = await waitForProjection(client, touched.last);
      result.notes.push(`projection caught up ${lag.toFixed(2)} s after the log-event run`);
      log(result.notes.at(-1)!);
    }
    if (scenarios.includes('throughput')) {
      for (const c of cfg.tpConcurrency) {
        const warm = await closedLoop({ label: `log-event warm-up`, concurrency: c, durationMs: cfg.warmupMs, maxRequests: 1_000_000 }, () => logEvent(client, guids));
        log(formatStats(warm));
        const s = await closedLoop({ label: 'log-event max throughput', concurrency: c, durationMs: cfg.tpMs, maxRequests: 5_000_000 }, () => logEvent(client, guids, touched));
        record(s, 'throughput', undefined, `${guids.length} journeys`);
        const lag = await waitForProjection(client, touched.last);
        result.notes.push(`projection caught up ${lag.toFixed(2)} s after the ${c}-worker throughput run`);
        log(result.notes.at(-1)!);
      }
    }
    if (scenarios.includes('query')) {
      // Every journey in the list, paging with next_cursor; then GET random ones.
      const all: string[] = [];
      const pageLatencies: number[] = [];
      const t0 = performance.now();
      for (let cursor: string | null = '', pages = 0; cursor !== null && pages < 10_000; pages++) {
        const t = performance.now();
        const r = await client.request('GET', `/api/v2/tracking/journeys?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
        pageLatencies.push(performance.now() - t);
        if (r.status !== 200) throw new Error(`GET journeys: ${r.status} ${r.body.slice(0, 300)}`);
        const page = JSON.parse(r.body) as { journeys: { guid: string }[]; next_cursor: string | null };
        for (const j of page.journeys) all.push(j.guid);
        cursor = page.next_cursor;
      }
      pageLatencies.sort((a, b) => a - b);
      result.notes.push(
        `listed ${all.length} journeys in ${pageLatencies.length} pages of 500 in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
          `(page p50 ${fmtMs(pageLatencies[Math.floor(pageLatencies.length / 2)]!)} ms, max ${fmtMs(pageLatencies.at(-1)!)} ms)`,
      );
      log(result.notes.at(-1)!);
      const get = async () => {
        const r = await client.request('GET', `/api/v2/tracking/journey/${all[randomInt(all.length)]}`);
        return r.status === 200;
      };
      const warm = await openLoop({ label: 'GET journey warm-up', rate: cfg.queryRate, durationMs: cfg.warmupMs }, get);
      log(formatStats(warm));
      const s = await openLoop({ label: 'GET journey', rate: cfg.queryRate, durationMs: cfg.queryMs }, get);
      record(s, 'query', 200, `${all.length} journeys stored`);
      const c = await closedLoop({ label: 'GET journey max throughput', concurrency: cfg.queryConcurrency, durationMs: Math.min(cfg.queryMs, 20_000), maxRequests: 1_000_000 }, get);
      record(c, 'query-closed', 200, `${all.length} journeys stored`);
    }
  } finally {
    client.close();
    await server.stop();
    cleanups.splice(cleanups.indexOf(server.stop), 1);
    const warnings = server.stderrTail().trim();
    if (warnings) {
      result.notes.push(`server stderr (tail): ${warnings.slice(-1500)}`);
      log(`server stderr tail:\n${warnings.slice(-1500)}`);
    }
  }
  return result;
};

// ---------------------------------------------------------------------------------------------------------------
const vsTarget = (r: ModeResult['runs'][number]) => {
  if (r.targetP99 === undefined) return '—';
  const ratio = r.p99 / r.targetP99;
  return ratio <= 1 ? `met: ${((1 - ratio) * 100).toFixed(0)}% below` : `MISSED: ${ratio.toFixed(1)}× the target`;
};

const table = (res: ModeResult) => {
  const rows = [
    '| scenario | rate / concurrency | count | errors | p50 ms | p90 ms | p99 ms | max ms | throughput /s | target | vs target |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const r of res.runs) {
    rows.push(
      `| ${r.label}${r.note ? ` (${r.note})` : ''} | ${r.mode === 'open' ? `${r.rate}/s open loop, ${r.durationS.toFixed(0)} s` : `${r.concurrency} workers, ${r.durationS.toFixed(0)} s`} | ${r.count} | ${r.errors} | ${fmtMs(r.p50)} | ${fmtMs(r.p90)} | ${fmtMs(r.p99)} | ${fmtMs(r.max)} | ${r.throughput.toFixed(1)} | ${r.target ?? '—'} | ${vsTarget(r)} |`,
    );
  }
  return rows.join('\n');
};

const main = async () => {
  log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}; modes ${modes.join(', ')}; scenarios ${scenarios.join(', ')}${quick ? ' (quick)' : ''}`);
  const results: ModeResult[] = [];
  try {
    for (const mode of modes) {
      const before = cleanups.length;
      try {
        results.push(await benchMode(mode));
      } finally {
        // Per-mode cleanup (data dir, database) before the next mode starts.
        while (cleanups.length > before) {
          try {
            await cleanups.pop()!();
          } catch (error) {
            log(`cleanup failed: ${(error as Error).message}`);
          }
        }
      }
    }
  } finally {
    await cleanupAll();
  }
  for (const r of results) {
    process.stdout.write(`\n## ${r.mode} (${r.store})\n\n`);
    if (r.populate) {
      process.stdout.write(
        `populate: ${r.populate.journeys} journeys with demo --concurrency ${r.populate.concurrency} (${r.populate.runs} run(s) of ${r.populate.chunk}) in ${r.populate.totalS.toFixed(1)} s ` +
          `(create ${r.populate.createS.toFixed(1)} s, project ${r.populate.projectS.toFixed(1)} s)\n`,
      );
    }
    if (r.startupS !== undefined) process.stdout.write(`server start: ${r.startupS.toFixed(1)} s\n`);
    process.stdout.write(`\n${table(r)}\n\n`);
    for (const n of r.notes) process.stdout.write(`- ${n}\n`);
  }
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), cores: cpus().length, node: process.version, cfg, results }, null, 2));
    log(`wrote ${args.json}`);
  }
};

main().catch(async (error) => {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  await cleanupAll();
  process.exit(1);
});
