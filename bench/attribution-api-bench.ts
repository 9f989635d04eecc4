// Attribution API over many stored journeys (from `threadline demo`), on PostgreSQL: latency per model and window.
//   node --import tsx bench/attribution-api-bench.ts [--journeys 1000000] [--measure-at 100000,250000,500000]
//        [--chunk 50000] [--concurrency 32] [--runs 10] [--reuse-db NAME | --resume-db NAME] [--keep] [--out bench/attribution-api-results.md]
// --reuse-db measures a populated database as it is; --resume-db populates it further, up to --journeys.
// Measures at every --measure-at size on the way and at --journeys, rewriting --out each time.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cleanupAll, cleanups, createBenchDatabase, databaseUrl, demoRun, log, startServer } from './bench-harness.ts';
import { createClient, fmtMs } from './load-generator.ts';

const { values: args } = parseArgs({
  options: {
    journeys: { type: 'string', default: '1000000' },
    'measure-at': { type: 'string', default: '' },
    chunk: { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '32' },
    runs: { type: 'string', default: '10' },
    'reuse-db': { type: 'string' },
    'resume-db': { type: 'string' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/attribution-api-results.md' },
  },
});

const MODELS = ['all', 'first_touch', 'last_touch', 'linear', 'position_based', 'time_decay', 'markov', 'shapley'];
const DAY = 86_400_000;

const populate = async (storeEnv: Record<string, string>, from: number, to: number, chunk: number, concurrency: number) => {
  const t0 = performance.now();
  for (let done = from; done < to; ) {
    const n = Math.min(chunk, to - done);
    const r = await demoRun(storeEnv, n, concurrency, 1000 + Math.floor(done / chunk));
    done += n;
    log(`demo ${done}/${to}: run of ${n} in ${r.totalS.toFixed(0)} s (create ${r.createS.toFixed(0)} s, project ${r.projectS.toFixed(0)} s)`);
  }
  return (performance.now() - t0) / 1000;
};

interface Stored {
  journeys: number;
  converted: number;
  first: Date;
  last: Date;
  paths: number;
}

/** Every request of the table, against a server on the store as it is now. */
const measure = async (storeEnv: Record<string, string>, stats: Stored, runs: number) => {
  const server = await startServer(storeEnv);
  const client = createClient(server.baseUrl, 4);
  const all = { start: new Date(stats.first.getTime() - DAY), end: new Date(stats.last.getTime() + 30 * DAY) };
  const week = { start: new Date(stats.first.getTime() + 10 * DAY), end: new Date(stats.first.getTime() + 17 * DAY) };
  const q = (w: { start: Date; end: Date }, model: string) =>
    `/api/v2/tracking/attribution?start_date=${w.start.toISOString()}&end_date=${w.end.toISOString()}&model=${model}`;
  const rows: string[] = [];
  const one = async (label: string, path: string) => {
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
    const row = `| ${stats.journeys.toLocaleString('en')} | ${label} | ${runs} | ${fmtMs(times[Math.floor(times.length / 2)]!)} | ${fmtMs(times.at(-1)!)} | ${body.conversions ?? body.open_journeys ?? ''} |`;
    log(row);
    rows.push(row);
  };
  for (const m of MODELS) await one(`attribution model=${m}, every journey`, q(all, m));
  await one('attribution model=all, one week', q(week, 'all'));
  await one('predictions limit=50', '/api/v2/analytics/predictions?limit=50');
  client.close();
  await server.stop();
  return rows;
};

const main = async () => {
  const target = Number(args.journeys);
  const milestones = [...new Set([...String(args['measure-at']).split(',').filter(Boolean).map(Number), target])].sort((a, b) => a - b);
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const existing = args['reuse-db'] ?? args['resume-db'];
  const url = existing ? databaseUrl(existing) : await createBenchDatabase(`bench_attr_${stamp}`, args.keep);
  const storeEnv = { DATABASE_URL: url };
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  cleanups.push(() => db.end());
  const count = async () => {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = $1', ['journey_paths']);
    if (rows[0].n === 0) return 0;
    return (await db.query('SELECT count(*)::int AS n FROM journey_paths')).rows[0].n as number;
  };
  const sections: string[] = [];
  let populateS = 0;
  for (const m of milestones) {
    const have = await count();
    if (!args['reuse-db'] && have < m) populateS += await populate(storeEnv, have, m, Number(args.chunk), Number(args.concurrency));
    const stats = (await db.query(`SELECT count(*)::int AS journeys, count(*) FILTER (WHERE converted)::int AS converted,
        min(created_at) AS first, max(created_at) AS last, count(DISTINCT path)::int AS paths FROM journey_paths`)).rows[0] as Stored;
    log(`stored: ${JSON.stringify(stats)}`);
    // What autovacuum does on a production server (it is off on this machine's PostgreSQL): statistics, and the
    // visibility map that lets the covering indexes answer without reading table pages.
    const v0 = performance.now();
    await db.query('VACUUM (ANALYZE) journey_paths, journey_summary');
    log(`vacuum analyze: ${((performance.now() - v0) / 1000).toFixed(1)} s`);
    const rows = await measure(storeEnv, stats, Number(args.runs));
    sections.push(`${stats.journeys.toLocaleString('en')} journeys (${stats.converted.toLocaleString('en')} converted, ${stats.paths.toLocaleString('en')} distinct attributed paths), populated in ${(populateS / 60).toFixed(1)} min so far:\n\n| journeys | request | runs | p50 ms | max ms | conversions (or open journeys) |\n|---:|---|---:|---:|---:|---:|\n${rows.join('\n')}\n`);
    writeFileSync(
      args.out!,
      `# Attribution API over many journeys

Measured ${new Date().toISOString().slice(0, 10)} on this machine (2 cores, Node 20, PostgreSQL 15 on loopback): \`threadline serve\` against a
database filled by \`threadline demo\` (--concurrency ${args.concurrency}, runs of ${args.chunk}). Sequential requests
after two warm-up calls. Target: under 2 s over 1,000,000 journeys (the PRD's SLA is 5 s).

${sections.join('\n')}
Reproduce: \`node --import tsx bench/attribution-api-bench.ts --journeys ${target}${args['measure-at'] ? ` --measure-at ${args['measure-at']}` : ''}\`
(\`--keep\` keeps the database, \`--reuse-db NAME\` measures it again without populating).
`,
    );
    log(`wrote ${args.out}`);
  }
};

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanupAll);
