// What this machine allows a generate-guid request: the same load generator, rate and body against the smallest
// servers that could answer it (floor-server.ts), interleaved with the real `threadline serve` (PostgreSQL or PGlite) so
// that every kind sees the same minutes of the machine. Each run gets a fresh server process.
//
//   node --import tsx bench/floor-bench.ts [--runs 3] [--rate 50] [--duration 20] [--json FILE]
//        [--kinds hello,select,insert,guid,embedded-insert,embedded-guid]   (embedded-*: PGlite, a fresh data directory per run)
//        [--server-node-options '--flag ...']   (Node.js flags for `threadline serve`)
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanupAll, createBenchDatabase, createBenchDataDir, log, sleep, startServer } from './bench-harness.ts';
import { createClient, fmtMs, openLoop, type RunStats } from './load-generator.ts';
import { guidBody } from './request-bodies.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    kinds: { type: 'string', default: 'hello,select,insert,guid,embedded-insert,embedded-guid' },
    json: { type: 'string' },
    /** Extra Node.js flags for `threadline serve` (e.g. GC settings), passed as its NODE_OPTIONS. */
    'server-node-options': { type: 'string' },
  },
});
const runs = Number(args.runs);
const rate = Number(args.rate);
const durationMs = Number(args.duration) * 1000;
const warmupMs = Number(args.warmup) * 1000;
const KINDS = ['hello', 'select', 'insert', 'guid', 'embedded-insert', 'embedded-guid'] as const;
type Kind = (typeof KINDS)[number];
const kinds = String(args.kinds).split(',') as Kind[];
for (const k of kinds) if (!KINDS.includes(k)) throw new Error(`--kinds: unknown kind ${k} (one of ${KINDS.join(', ')})`);

const FLOOR_SERVER = join(dirname(fileURLToPath(import.meta.url)), 'floor-server.ts');

const measure = async (baseUrl: string, label: string) => {
  const client = createClient(baseUrl);
  const send = async () => {
    const r = await client.request('POST', '/api/v2/tracking/generate-guid', guidBody());
    return r.status === 201;
  };
  try {
    await openLoop({ label: `${label} warm-up`, rate, durationMs: warmupMs }, send);
    return await openLoop({ label, rate, durationMs }, send);
  } finally {
    client.close();
  }
};

const main = async () => {
  log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}; ${runs} round(s) of ${kinds.join(', ')} at ${rate}/s for ${durationMs / 1000} s`);
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const floorDb = await createBenchDatabase(`bench_floor_${stamp}`, false);
  const results = Object.fromEntries(KINDS.map((k) => [k, [] as RunStats[]])) as Record<Kind, RunStats[]>;
  const serverEnv: Record<string, string> = args['server-node-options'] ? { NODE_OPTIONS: args['server-node-options'] } : {};
  for (let round = 1; round <= runs; round++) {
    for (const kind of kinds) {
      // Embedded kinds get a fresh data directory each run, as guid gets a fresh database.
      const store: Record<string, string> = kind.startsWith('embedded-')
        ? { THREADLINE_DATA_DIR: createBenchDataDir() }
        : { DATABASE_URL: kind === 'guid' ? await createBenchDatabase(`bench_floor_${stamp}_guid${round}`, false) : floorDb };
      const server = kind.endsWith('guid') ? await startServer(store, serverEnv) : await startServer(store, {}, ['--import', 'tsx', FLOOR_SERVER, kind]);
      const s = await measure(server.baseUrl, kind);
      await server.stop();
      results[kind].push(s);
      log(`round ${round} ${kind}: p50 ${fmtMs(s.p50)} p90 ${fmtMs(s.p90)} p99 ${fmtMs(s.p99)} max ${fmtMs(s.max)} ms, errors ${s.errors}`);
      await sleep(1000);
    }
  }
  const lines = ['| server | runs | p50 ms | p90 ms | p99 ms (each run) | max ms | errors |', '|---|---:|---:|---:|---|---:|---:|'];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const kind of kinds) {
    const rs = results[kind];
    lines.push(
      `| ${kind} | ${rs.length} | ${fmtMs(median(rs.map((r) => r.p50)))} | ${fmtMs(median(rs.map((r) => r.p90)))} | ${rs.map((r) => fmtMs(r.p99)).join(', ')} | ${fmtMs(Math.max(...rs.map((r) => r.max)))} | ${rs.reduce((n, r) => n + r.errors, 0)} |`,
    );
  }
  process.stdout.write(`\n${lines.join('\n')}\n(p50 and p90: the median over the runs)\n`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ rate, durationMs, results }, null, 2));
};

main()
  .catch((error: unknown) => {
    process.exitCode = 1;
    log(`failed: ${(error as Error).stack ?? String(error)}`);
  })
  .finally(() => cleanupAll());
