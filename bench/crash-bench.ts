// Crash test of ARCHITECTURE.md §6 (a 2xx means the event is stored; no acknowledged event is lost, an event_id is
// stored once): mixed load from concurrent clients while `threadline serve` is SIGKILLed at random moments and
// restarted on the same store; then the store is checked against every answer the clients got, and the read models
// against a rebuild. Exits 1 when anything acknowledged is missing or stored twice, or the read models differ.
//
//   node --import tsx bench/crash-bench.ts [--mode pglite|postgres|both] [--kills 20] [--seed 1] [--clients 16]
//        [--min-interval 0.5] [--max-interval 3] (seconds of load before each kill) [--think-ms 10] [--json FILE] [--keep]
//        [--self-check]   (plants a lost event, a second copy and a read-model difference before verifying: must FAIL)
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { StoreConfig } from '../src/eventstore/index.ts';
import { PROJECTIONS } from '../src/projections/registry.ts';

const READ_MODEL_TABLES = PROJECTIONS.flatMap((p) => p.tables);
import { cleanupAll, cleanups, createBenchDataDir, log, sleep, startServer, type Server } from './bench-harness.ts';
import { book, Ledger, nextRequest, PATHS, prng, type Mode, type Req, type Rng } from './crash-clients.ts';
import { createCrashDatabase, verify, type Verdict } from './crash-verify.ts';
import { createClient, type HttpClient, type HttpResult } from './load-generator.ts';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    kills: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    clients: { type: 'string', default: '16' },
    'min-interval': { type: 'string', default: '0.5' },
    'max-interval': { type: 'string', default: '3' },
    'think-ms': { type: 'string', default: '10' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    /** Plants a lost event, a stored-twice event and a read-model difference before verifying: the run must FAIL. */
    'self-check': { type: 'boolean', default: false },
  },
});
const num = (name: keyof typeof args) => {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: not a number: ${String(args[name])}`);
  return n;
};
const cfg = { kills: num('kills'), seed: num('seed'), clients: Math.max(1, num('clients')), minS: num('min-interval'), maxS: num('max-interval'), thinkMs: num('think-ms') };
if (cfg.maxS < cfg.minS) throw new Error('--max-interval is below --min-interval');
const modes = args.mode === 'both' ? (['pglite', 'postgres'] as const) : [args.mode as 'pglite' | 'postgres'];
for (const m of modes) if (m !== 'pglite' && m !== 'postgres') throw new Error('--mode: pglite, postgres or both');

/** The running server, killed outright if the bench itself dies before it could stop it. */
let current: Server | null = null;
process.on('exit', () => {
  if (current && current.child.exitCode === null) current.child.kill('SIGKILL');
});

// ---------------------------------------------------------------------------------------------------------------
interface ModeResult {
  mode: Mode;
  store: string;
  kills: number;
  wallS: number;
  loadS: number;
  restartS: number[];
  inFlightAtKill: number[];
  cleanStop: boolean;
  ledger: { ackedEvents: number; ackedJourneys: number; sent: Ledger['sent']; failed: Ledger['failed']; retryCutFoundStored: number; retryCutNewlyStored: number; partlyStoredBatches: number; retryAnsweredDuplicates: number; contradictions: string[]; unexpected: Record<string, number> };
  verdict: Verdict;
  logFile: string;
}

const runMode = async (mode: Mode): Promise<ModeResult> => {
  const t0 = performance.now();
  const rng = prng(cfg.seed * 7919 + (mode === 'pglite' ? 1 : 2));
  let storeEnv: Record<string, string>;
  let config: StoreConfig;
  let store: string;
  if (mode === 'pglite') {
    const dir = createBenchDataDir(args.keep);
    storeEnv = { THREADLINE_DATA_DIR: dir };
    config = { kind: 'pglite', dataDir: dir };
    store = dir;
  } else {
    const db = await createCrashDatabase(args.keep);
    storeEnv = { DATABASE_URL: db.url };
    config = { kind: 'postgres', connectionString: db.url, poolSize: 4 };
    store = `database ${db.name}`;
  }
  const logDir = mkdtempSync(join(tmpdir(), 'threadline-crash-'));
  const logFile = join(logDir, `${mode}-server.log`);
  log(`${mode}: store ${store}; server log ${logFile}`);
  const start = async (port?: number) => {
    try {
      current = await startServer(storeEnv, { LOG_LEVEL: 'warn' }, undefined, { port, logFile });
      return current;
    } catch (error) {
      let serverLog = '';
      try {
        serverLog = readFileSync(logFile, 'utf8').slice(-3000);
      } catch {
        // no log written
      }
      throw new Error(`${(error as Error).message}\nserver log (${logFile}, tail):\n${serverLog}`, { cause: error });
    }
  };
  let server = await start();
  const port = Number(new URL(server.baseUrl).port);
  const client: HttpClient = createClient(server.baseUrl, cfg.clients * 2);
  const l = new Ledger(mode, cfg.seed);
  let serverUp = true;
  let running = true;
  let inFlight = 0;
  /** The journeys the latest answers touched: once they read their writes, the projection has caught up. */
  const lastTouched: string[] = [];

  /** Sends once and books the answer; false when the connection failed (nothing acknowledged). */
  const send = async (wrng: Rng, req: Req, as: keyof Ledger['sent']): Promise<boolean> => {
    l.sent[as]++;
    inFlight++;
    let r: HttpResult;
    try {
      r = await client.request('POST', PATHS[req.kind], req.body);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (serverUp) l.failed.whileUp++;
      else if (code === 'ECONNREFUSED') l.failed.refusedWhileDown++;
      else l.failed.cutInFlight++;
      if (serverUp) log(`connection error while the server was up: ${code ?? ''} ${(error as Error).message}`);
      return false;
    } finally {
      inFlight--;
    }
    const touched = book(l, req, as, r, wrng);
    if (touched && lastTouched.push(touched) > 4 * cfg.clients) lastTouched.shift();
    return true;
  };

  const worker = async (w: number) => {
    const wrng = prng(cfg.seed * 104_729 + w * 31 + (mode === 'pglite' ? 0 : 17));
    // Consecutive connection failures: the client backs off exponentially (100 ms to 2 s) while the server is away.
    let fails = 0;
    while (running) {
      const next = nextRequest(l, wrng, serverUp);
      const req = next.req;
      let as = next.as;
      // A request that failed on the connection: a real client mostly sends it again with the same event_ids, after
      // its backoff or much later among other traffic, and sometimes never (its fate stays unknown to it).
      for (;;) {
        if (await send(wrng, req, as)) {
          fails = 0;
          break;
        }
        await sleep(Math.min(2000, 100 * 2 ** fails++) * (0.5 + wrng()));
        const x = wrng();
        if (as === 'retryAnswered' || x < 0.3) break;
        if (x < 0.5 || !running) {
          l.toRetry.push(req);
          break;
        }
        as = 'retryCut';
      }
      if (cfg.thinkMs > 0) await sleep(wrng() * 2 * cfg.thinkMs);
    }
  };

  const restartS: number[] = [];
  const inFlightAtKill: number[] = [];
  let workers: Promise<void[]> | null = null;
  try {
    const loadT0 = performance.now();
    workers = Promise.all(Array.from({ length: cfg.clients }, (_, w) => worker(w)));
    for (let k = 1; k <= cfg.kills; k++) {
      await sleep((cfg.minS + rng() * (cfg.maxS - cfg.minS)) * 1000);
      inFlightAtKill.push(inFlight);
      serverUp = false;
      await server.crash();
      const tk = performance.now();
      server = await start(port);
      restartS.push((performance.now() - tk) / 1000);
      serverUp = true;
      log(`${mode}: kill ${k}/${cfg.kills} (${inFlightAtKill.at(-1)} requests in flight), healthy again in ${restartS.at(-1)!.toFixed(1)} s; ${l.ackedEvents.size} events and ${l.guids.length} journeys acknowledged`);
    }
    await sleep((cfg.minS + rng() * (cfg.maxS - cfg.minS)) * 1000);
    running = false;
    await workers;
    workers = null;
    const loadS = (performance.now() - loadT0) / 1000;
    // The client's last retries, with the server up to stay.
    for (let i = 0; i < 100_000 && l.toRetry.length > 0; i++) await send(rng, l.toRetry.shift()!, 'retryCut');
    if (l.toRetry.length > 0) throw new Error(`${l.toRetry.length} requests still fail with the server up`);
    // Read-your-writes on the journeys the clients wrote last: the projection has caught up with the log.
    for (const guid of new Set(lastTouched)) {
      for (let i = 0; ; i++) {
        const r = await client.request('GET', `/api/v2/tracking/journey/${guid}?events_limit=1`);
        if (r.status === 200) break;
        if (r.status !== 503 || i > 60) throw new Error(`GET journey ${guid}: ${r.status} ${r.body.slice(0, 300)}`);
      }
    }
    client.close();
    await server.stop();
    cleanups.splice(cleanups.indexOf(server.stop), 1);
    const cleanStop = server.child.exitCode === 0;
    current = null;
    log(`${mode}: stopped ${cleanStop ? 'cleanly (exit 0)' : `with exit ${server.child.exitCode} / ${server.child.signalCode}`}; verifying`);
    const verdict = await verify(config, l, args['self-check']);
    const result: ModeResult = {
      mode,
      store,
      kills: inFlightAtKill.length,
      wallS: (performance.now() - t0) / 1000,
      loadS,
      restartS,
      inFlightAtKill,
      cleanStop,
      ledger: {
        ackedEvents: l.ackedEvents.size,
        ackedJourneys: l.guids.length,
        sent: l.sent,
        failed: l.failed,
        retryCutFoundStored: l.retryCutFoundStored,
        retryCutNewlyStored: l.retryCutNewlyStored,
        partlyStoredBatches: l.partlyStoredBatches,
        retryAnsweredDuplicates: l.retryAnsweredDuplicates,
        contradictions: l.contradictions,
        unexpected: l.unexpected,
      },
      verdict,
      logFile,
    };
    // The server's log is kept where something went wrong (or with --keep).
    if (passed(result) && !args.keep) {
      rmSync(logDir, { recursive: true, force: true });
      result.logFile = '(removed: nothing went wrong)';
    }
    return result;
  } finally {
    running = false;
    client.close();
    if (workers) await workers.catch(() => undefined);
  }
};

// ---------------------------------------------------------------------------------------------------------------
const failedOf = (r: ModeResult) => r.ledger.failed.cutInFlight + r.ledger.failed.refusedWhileDown + r.ledger.failed.whileUp;
const passed = (r: ModeResult) =>
  r.verdict.lost.length === 0 && r.verdict.storedTwice.length === 0 && r.verdict.lostJourneys.length === 0 && r.verdict.journeysTwice.length === 0 && r.verdict.rebuildDiffs.length === 0 && r.ledger.contradictions.length === 0;
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);

const table = (results: ModeResult[]) => {
  const sum = (f: (r: ModeResult) => number) => results.reduce((s, r) => s + f(r), 0);
  const rows: [string, (r: ModeResult) => string, string][] = [
    ['kills (SIGKILL, restart on the same store)', (r) => String(r.kills), String(sum((r) => r.kills))],
    ['acknowledged events', (r) => String(r.ledger.ackedEvents), String(sum((r) => r.ledger.ackedEvents))],
    ['acknowledged journeys', (r) => String(r.ledger.ackedJourneys), String(sum((r) => r.ledger.ackedJourneys))],
    ['**lost** (acknowledged events / journeys not stored)', (r) => `${r.verdict.lost.length} / ${r.verdict.lostJourneys.length}`, `${sum((r) => r.verdict.lost.length)} / ${sum((r) => r.verdict.lostJourneys.length)}`],
    ['**stored twice** (event_ids / journeys)', (r) => `${r.verdict.storedTwice.length} / ${r.verdict.journeysTwice.length}`, `${sum((r) => r.verdict.storedTwice.length)} / ${sum((r) => r.verdict.journeysTwice.length)}`],
    ['**read models equal to a rebuild**', (r) => (r.verdict.rebuildDiffs.length === 0 ? 'yes' : 'NO'), results.every((r) => r.verdict.rebuildDiffs.length === 0) ? 'yes' : 'NO'],
    ['contradicting answers (retry of an acknowledged event answered 201, 4xx/5xx, ...)', (r) => String(r.ledger.contradictions.length), String(sum((r) => r.ledger.contradictions.length))],
    ['requests failed during kills (cut in flight + refused while down)', (r) => `${failedOf(r)} (${r.ledger.failed.cutInFlight} + ${r.ledger.failed.refusedWhileDown})`, String(sum(failedOf))],
    ['connection errors while the server was up', (r) => String(r.ledger.failed.whileUp), String(sum((r) => r.ledger.failed.whileUp))],
    ['requests sent: generate-guid / log-event / batch', (r) => `${r.ledger.sent.guid} / ${r.ledger.sent.event} / ${r.ledger.sent.batch}`, `${sum((r) => r.ledger.sent.guid)} / ${sum((r) => r.ledger.sent.event)} / ${sum((r) => r.ledger.sent.batch)}`],
    ['answered requests sent again (events answered 200 duplicate)', (r) => `${r.ledger.sent.retryAnswered} (${r.ledger.retryAnsweredDuplicates})`, `${sum((r) => r.ledger.sent.retryAnswered)} (${sum((r) => r.ledger.retryAnsweredDuplicates)})`],
    ['cut requests sent again (items found stored / newly stored)', (r) => `${r.ledger.sent.retryCut} (${r.ledger.retryCutFoundStored} / ${r.ledger.retryCutNewlyStored})`, `${sum((r) => r.ledger.sent.retryCut)} (${sum((r) => r.ledger.retryCutFoundStored)} / ${sum((r) => r.ledger.retryCutNewlyStored)})`],
    ['cut batches found partly stored when sent again (atomic: 0)', (r) => String(r.ledger.partlyStoredBatches), String(sum((r) => r.ledger.partlyStoredBatches))],
    ['events stored, never acknowledged (cut, not sent again)', (r) => String(r.verdict.storedUnacknowledged), String(sum((r) => r.verdict.storedUnacknowledged))],
    ['events projected after the clean stop / quarantined', (r) => `${r.verdict.projectedAfterStop} / ${r.verdict.quarantined}`, `${sum((r) => r.verdict.projectedAfterStop)} / ${sum((r) => r.verdict.quarantined)}`],
    ['read model rows (every non-empty table)', (r) => READ_MODEL_TABLES.filter((t) => Number(r.verdict.rows[t]) > 0).map((t) => `${t} ${r.verdict.rows[t]}`).join(', '), '—'],
    ['restart to healthy, median / max s', (r) => `${median(r.restartS).toFixed(1)} / ${Math.max(...r.restartS).toFixed(1)}`, '—'],
    ['requests in flight at a kill, median / max', (r) => `${median(r.inFlightAtKill)} / ${Math.max(...r.inFlightAtKill)}`, '—'],
    ['stopped cleanly at the end (SIGTERM, exit 0)', (r) => (r.cleanStop ? 'yes' : 'NO'), results.every((r) => r.cleanStop) ? 'yes' : 'NO'],
    ['wall time (of which load) s', (r) => `${r.wallS.toFixed(0)} (${r.loadS.toFixed(0)})`, sum((r) => r.wallS).toFixed(0)],
  ];
  const out = [`| | ${results.map((r) => r.mode).join(' | ')} | total |`, `|---|${results.map(() => '---:|').join('')}---:|`];
  for (const [label, f, total] of rows) out.push(`| ${label} | ${results.map(f).join(' | ')} | ${total} |`);
  return out.join('\n');
};

const main = async () => {
  const git = (cmd: string) => {
    try {
      return execSync(`git ${cmd}`, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      return '?';
    }
  };
  const code = `${git('rev-parse --short HEAD')}${git('status --porcelain src') ? ' + uncommitted changes in src/' : ''}`;
  log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}; code ${code}; modes ${modes.join(', ')}; ${cfg.kills} kills each, seed ${cfg.seed}, ${cfg.clients} clients`);
  const results: ModeResult[] = [];
  try {
    for (const mode of modes) {
      const before = cleanups.length;
      try {
        results.push(await runMode(mode));
      } finally {
        while (cleanups.length > before) {
          try {
            await cleanups.pop()!();
          } catch (error) {
            log(`cleanup failed: ${(error as Error).message}`);
          }
        }
        current = null;
      }
    }
  } finally {
    await cleanupAll();
  }
  process.stdout.write(`\n## Crash test: ${cfg.kills} kills per mode, seed ${cfg.seed}, ${cfg.clients} clients, code ${code}\n\n${table(results)}\n`);
  for (const r of results) {
    const problems = [
      ...r.verdict.lost.slice(0, 20).map((x) => `lost: ${x}`),
      ...r.verdict.lostJourneys.slice(0, 20).map((x) => `lost journey: ${x}`),
      ...r.verdict.storedTwice.slice(0, 20).map((x) => `stored twice: ${x}`),
      ...r.verdict.journeysTwice.slice(0, 20).map((x) => `journey twice: ${x}`),
      ...r.verdict.rebuildDiffs.map((x) => `rebuild differs: ${x}`),
      ...r.ledger.contradictions.map((x) => `contradiction: ${x}`),
      ...(r.verdict.foreign ? [`${r.verdict.foreign} stored event_ids this bench never sent`] : []),
    ];
    process.stdout.write(`\n${r.mode}: ${r.verdict.checkpointBehind} after the stop; server log ${r.logFile}\n`);
    for (const p of problems) process.stdout.write(`- ${p}\n`);
  }
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), code, cfg, results }, null, 2));
    log(`wrote ${args.json}`);
  }
  const ok = results.length === modes.length && results.every(passed);
  process.stdout.write(`\n${ok ? 'PASS' : 'FAIL'}: ${ok ? 'nothing acknowledged was lost or stored twice, and the read models equal a rebuild' : 'see above'}\n`);
  if (!ok) process.exitCode = 1;
};

main().catch(async (error) => {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  await cleanupAll();
  process.exit(1);
});
