// Attribution API over many stored journeys (from `threadline demo`), on PostgreSQL: latency per model and window.
//   node --import tsx bench/attribution-api-bench.ts [--journeys 1000000] [--chunk 50000] [--concurrency 32]
//        [--runs 10] [--reuse-db NAME] [--keep] [--out bench/attribution-api-results.md]
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cleanupAll, cleanups, createBenchDatabase, databaseUrl, demoRun, log, startServer } from './bench-harness.ts';
import { createClient, fmtMs } from './load-generator.ts';

const { values: args } = parseArgs({
  options: {
    journeys: { type: 'string', default: '1000000' },
    chunk: { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '32' },
    runs: { type: 'string', default: '10' },
    'reuse-db': { type: 'string' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/attribution-api-results.md' },
  },
});

const MODELS = ['all', 'first_touch', 'last_touch', 'linear', 'position_based', 'time_decay', 'markov', 'shapley'];
const DAY = 86_400_000;

const populate = async (storeEnv: Record<string, string>, journeys: number, chunk: number, concurrency: number) => {
  const t0 = performance.now();
  for (let k = 0, done = 0; done < journeys; k++) {
    const n = Math.min(chunk, journeys - done);
    const r = await demoRun(storeEnv, n, concurrency, 1000 + k);
    done += n;
    log(`demo ${done}/${journeys}: run of ${n} in ${r.totalS.toFixed(0)} s (create ${r.createS.toFixed(0)} s, project ${r.projectS.toFixed(0)} s)`);
  }
  return (performance.now() - t0) / 1000;
};

const main = async () => {
  const journeys = Number(args.journeys);
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const url = args['reuse-db'] ? databaseUrl(args['reuse-db']) : await createBenchDatabase(`bench_attr_${stamp}`, args.keep);
  const storeEnv = { DATABASE_URL: url };
  const populateS = args['reuse-db'] ? null : await populate(storeEnv, journeys, Number(args.chunk), Number(args.concurrency));

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  cleanups.push(() => db.end());
  const stats = (await db.query(`SELECT count(*)::int AS journeys, count(*) FILTER (WHERE converted)::int AS converted,
      min(created_at) AS first, max(created_at) AS last, count(DISTINCT path)::int AS paths FROM journey_paths`)).rows[0] as {
    journeys: number; converted: number; first: Date; last: Date; paths: number;
  };
  log(`stored: ${JSON.stringify(stats)}`);

  const server = await startServer(storeEnv);
  const client = createClient(server.baseUrl, 4);
  const all = { start: new Date(stats.first.getTime() - DAY), end: new Date(stats.last.getTime() + 30 * DAY) };
  const week = { start: new Date(stats.first.getTime() + 10 * DAY), end: new Date(stats.first.getTime() + 17 * DAY) };
  const rows: string[] = [];
  const measure = async (label: string, path: string, runs: number) => {
    const times: number[] = [];
    let last = '';
    for (let i = 0; i < runs + 2; i++) {
      const t0 = performance.now();
      const res = await client.request('GET', path);
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.body.slice(0, 300)}`);
      if (i >= 2) times.push(ms); // two warm-up calls
      last = res.body;
    }
    times.sort((a, b) => a - b);
    const body = JSON.parse(last) as { conversions?: number; open_journeys?: number };
    const row = `| ${label} | ${runs} | ${fmtMs(times[Math.floor(times.length / 2)]!)} | ${fmtMs(times.at(-1)!)} | ${body.conversions ?? body.open_journeys ?? ''} |`;
    log(row);
    rows.push(row);
  };
  const runs = Number(args.runs);
  const q = (w: { start: Date; end: Date }, model: string) =>
    `/api/v2/tracking/attribution?start_date=${w.start.toISOString()}&end_date=${w.end.toISOString()}&model=${model}`;
  for (const m of MODELS) await measure(`attribution model=${m}, every journey`, q(all, m), runs);
  await measure('attribution model=all, one week', q(week, 'all'), runs);
  await measure('predictions limit=50 (model fitted, then cached)', '/api/v2/analytics/predictions?limit=50', runs);
  client.close();

  const md = `# Attribution API over ${stats.journeys.toLocaleString('en')} journeys

Measured 2026-11-23 on this machine (2 cores, Node 20, PostgreSQL 15 on loopback), \`threadline serve\` against a
database filled by \`threadline demo\` (${stats.journeys.toLocaleString('en')} journeys, ${stats.converted.toLocaleString('en')} converted,
${stats.paths.toLocaleString('en')} distinct attributed paths)${populateS === null ? '' : `; populating took ${(populateS / 60).toFixed(1)} min`}.
Sequential requests after two warm-up calls. Target: under 2 s (the PRD's SLA is 5 s).

| request | runs | p50 ms | max ms | conversions (or open journeys) |
|---|---:|---:|---:|---:|
${rows.join('\n')}

Reproduce: \`node --import tsx bench/attribution-api-bench.ts --journeys ${journeys}\` (add \`--keep\` to keep the
database and \`--reuse-db NAME\` to measure it again without populating).
`;
  writeFileSync(args.out!, md);
  log(`wrote ${args.out}`);
};

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanupAll);
