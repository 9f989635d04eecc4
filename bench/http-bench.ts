// HTTP benchmark of `threadline serve`, in embedded (PGlite) and PostgreSQL mode. Starts and stops the server
// itself (a child process on 127.0.0.1), creates and removes its own data directory / database.
//
//   node --import tsx bench/http-bench.ts [--mode pglite|postgres|both] [--scenario guid,log,throughput,query|all]
//        [--journeys 100000] [--populate-chunk 5000 (0 = one demo run)] [--populate-max-minutes 25] [--populate-concurrency 32 (postgres) / 8 (pglite)] [--quick] [--json FILE] [--keep]
//        [--reuse-dir DIR | --reuse-db NAME]   (an already populated store: no populate, nothing deleted)
//
// Scenarios (each preceded by a warm-up of the same request at the same rate/concurrency):
//   guid        POST generate-guid, open loop at --guid-rate (50/s) for --guid-duration (20 s)
//   repeat      (needs guid) the same risk events again (a client retrying), same rate and duration: 200, same GUID
//   log         POST log-event, open loop at --log-rate (200/s) for --log-duration (30 s) over --log-journeys (1,000) journeys
//   throughput  POST log-event, closed loop with --tp-concurrency (16,64) workers for --tp-duration (30 s) each
//   query       GET journey/{guid}, after populating --journeys journeys with `threadline demo`: open loop at
//               --query-rate (50/s) for --query-duration (30 s), then closed loop with --query-concurrency (8) workers
//   mixed       (needs query) GET journey at --query-rate while log-event runs at --mixed-write-rate (50/s), both open loop
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { cleanupAll, cleanups, createBenchDatabase, createBenchDataDir, databaseUrl, demoRun as harnessDemoRun, log, startServer as harnessStartServer, type Server } from './bench-harness.ts';
import { closedLoop, createClient, formatStats, fmtMs, openLoop, type HttpClient, type RunStats } from './load-generator.ts';
import { guidBody } from './request-bodies.ts';

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
    'mixed-write-rate': { type: 'string', default: '50' },
    'warmup': { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    json: { type: 'string' },
    'reuse-dir': { type: 'string' },
    'reuse-db': { type: 'string' },
    'populate-chunk': { type: 'string', default: '5000' },
    'populate-max-minutes': { type: 'string', default: '25' },
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
  populateMaxS: num('populate-max-minutes') * 60,
  mixedWriteRate: num('mixed-write-rate'),
  warmupMs: (quick ? 1 : num('warmup')) * 1000,
};
const ALL = ['guid', 'repeat', 'log', 'throughput', 'query', 'mixed'] as const;
type Scenario = (typeof ALL)[number];
const scenarios: Scenario[] = args.scenario === 'all' ? [...ALL] : (String(args.scenario).split(',') as Scenario[]);
for (const s of scenarios) if (!ALL.includes(s)) throw new Error(`--scenario: unknown scenario ${s} (one of ${ALL.join(', ')}, all)`);
const modes = args.mode === 'both' ? (['pglite', 'postgres'] as const) : [args.mode as 'pglite' | 'postgres'];
for (const m of modes) if (m !== 'pglite' && m !== 'postgres') throw new Error(`--mode: pglite, postgres or both`);

interface Store {
  env: Record<string, string>;
  describe: string;
  reused: boolean;
}

const prepareStore = async (mode: 'pglite' | 'postgres', stamp: string): Promise<Store> => {
  if (mode === 'pglite') {
    if (args['reuse-dir']) return { env: { THREADLINE_DATA_DIR: resolve(args['reuse-dir']) }, describe: `reused ${args['reuse-dir']}`, reused: true };
    const dir = createBenchDataDir(args.keep ?? false);
    return { env: { THREADLINE_DATA_DIR: dir }, describe: dir, reused: false };
  }
  if (args['reuse-db']) return { env: { DATABASE_URL: databaseUrl(args['reuse-db']) }, describe: `reused database ${args['reuse-db']}`, reused: true };
  const db = `bench_${stamp}`;
  return { env: { DATABASE_URL: await createBenchDatabase(db, args.keep ?? false) }, describe: `database ${db}`, reused: false };
};

const demoRun = (store: Store, journeys: number, concurrency: number, seed: number) => harnessDemoRun(store.env, journeys, concurrency, seed);

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
  let stored = 0;
  for (let k = 0; k < runs; k++) {
    if (sum.totalS > cfg.populateMaxS) {
      log(`populate stopped after ${stored} journeys: over the ${cfg.populateMaxS / 60}-minute limit (--populate-max-minutes)`);
      break;
    }
    const n = Math.min(size, journeys - k * size);
    const r = await demoRun(store, n, concurrency, k + 1);
    sum.totalS += r.totalS;
    sum.createS += r.createS;
    sum.projectS += r.projectS;
    stored += n;
    if (runs > 1) log(`  demo run ${k + 1}/${runs} (--journeys ${n} --seed ${k + 1}): ${r.totalS.toFixed(1)} s (create ${r.createS.toFixed(1)} s, project ${r.projectS.toFixed(1)} s)`);
  }
  log(`populated ${stored} journeys in ${sum.totalS.toFixed(1)} s (creating ${sum.createS.toFixed(1)} s, projecting ${sum.projectS.toFixed(1)} s)`);
  return { journeys: stored, requested: journeys, concurrency, chunk: size, runs, ...sum };
};

const startServer = (store: Store): Promise<Server> => harnessStartServer(store.env);

// ---------------------------------------------------------------------------------------------------------------
// Request bodies.
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

/** Every risk event the current mode's store answered with a new GUID, to send again in the repeat scenario. */
const issued: { body: ReturnType<typeof guidBody>; guid: string }[] = [];

const createGuid = async (client: HttpClient, sink?: string[]) => {
  const body = guidBody();
  const r = await client.request('POST', '/api/v2/tracking/generate-guid', body);
  if (r.status !== 201 && r.status !== 200) return false;
  const { guid } = JSON.parse(r.body) as { guid: string };
  sink?.push(guid);
  if (r.status === 201) issued.push({ body, guid });
  return true;
};

const repeatGuid = async (client: HttpClient) => {
  const earlier = issued[randomInt(issued.length)]!;
  const r = await client.request('POST', '/api/v2/tracking/generate-guid', earlier.body);
  return r.status === 200 && (JSON.parse(r.body) as { guid: string }).guid === earlier.guid;
};

const logEvent = async (client: HttpClient, guids: string[], touched?: { last: string }) => {
  const guid = guids[randomInt(guids.length)]!;
  const r = await client.request('POST', '/api/v2/tracking/log-event', logBody(guid));
  if (touched) touched.last = guid;
  return r.status === 201;
};

/**
 * How long until GET journey for `guid` answers 200: the projection has caught up with its stream, and the
 * answer is computed (which, since the analytics refit a conversion model whenever the checkpoint moved, includes a refit).
 */
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
  // A risk event the other mode's store answered is new to this one (201, another GUID), not a repeat.
  issued.length = 0;
  const store = await prepareStore(mode, stamp);
  result.store = store.describe;
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
    if (scenarios.includes('repeat') && issued.length > 0) {
      const s = await openLoop({ label: 'generate-guid repeat', rate: cfg.guidRate, durationMs: cfg.guidMs }, () => repeatGuid(client));
      record(s, 'repeat', 10, `${issued.length} risk events sent again`);
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
      result.notes.push(`first GET journey after the log-event run answered in ${lag.toFixed(2)} s`);
      log(result.notes.at(-1)!);
    }
    if (scenarios.includes('throughput')) {
      for (const c of cfg.tpConcurrency) {
        const warm = await closedLoop({ label: `log-event warm-up`, concurrency: c, durationMs: cfg.warmupMs, maxRequests: 1_000_000 }, () => logEvent(client, guids));
        log(formatStats(warm));
        const s = await closedLoop({ label: 'log-event max throughput', concurrency: c, durationMs: cfg.tpMs, maxRequests: 5_000_000 }, () => logEvent(client, guids, touched));
        record(s, 'throughput', undefined, `${guids.length} journeys`);
        const lag = await waitForProjection(client, touched.last);
        result.notes.push(`first GET journey after the ${c}-worker throughput run answered in ${lag.toFixed(2)} s`);
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
      if (scenarios.includes('mixed') && guids.length > 0) {
        // Reads while events arrive: every projected batch moves the checkpoint the analytics' model is keyed by.
        const write = () => logEvent(client, guids);
        await Promise.all([
          openLoop({ label: 'mixed warm-up GET', rate: cfg.queryRate, durationMs: cfg.warmupMs }, get),
          openLoop({ label: 'mixed warm-up log-event', rate: cfg.mixedWriteRate, durationMs: cfg.warmupMs }, write),
        ]);
        const [r, w] = await Promise.all([
          openLoop({ label: `GET journey during ${cfg.mixedWriteRate}/s log-event`, rate: cfg.queryRate, durationMs: cfg.queryMs }, get),
          openLoop({ label: `log-event during ${cfg.queryRate}/s GET journey`, rate: cfg.mixedWriteRate, durationMs: cfg.queryMs }, write),
        ]);
        record(r, 'mixed-read', 200, `${all.length} journeys stored`);
        record(w, 'mixed-write', 50, `${guids.length} journeys`);
      }
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
  if (ratio <= 1) return `met: ${((1 - ratio) * 100).toFixed(0)}% below`;
  return ratio < 2 ? `MISSED: ${((ratio - 1) * 100).toFixed(0)}% above` : `MISSED: ${ratio.toFixed(1)}× the target`;
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
