// What each projection costs per event, apart: a log seeded through the server (the ingest bench's load: batches of
// 1,000 EMAIL_OPENED over 1,000 journeys), then every projection replayed from position 0 on its own, twice: as the
// live worker does (batches of THREADLINE_PROJECTION_BATCH_SIZE, each its own transaction; --batch) and as
// `threadline rebuild` does (one transaction). Events per second and CPU µs per event of this process and of the
// database (the rest of the machine), against the same events inserted raw into one table in the same run.
//
//   node --import tsx bench/projection-bench.ts [--events 100000] [--journeys 1000] [--projection NAME] [--batch 500,2000]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { PROJECTIONS } from '../src/projections/registry.ts';
import { processBatch } from '../src/projections/runner/projection-batch.ts';
import { rebuildProjections } from '../src/projections/runner/rebuild.ts';
import { projectionTransaction } from '../src/projections/runner/read-model-db.ts';
import { recreateProjection } from '../src/projections/runner/runner-schema.ts';
import { openRuntime } from '../src/runtime.ts';
import { cleanupAll, createBenchDatabase, log, startServer } from './bench-harness.ts';
import { machineBusy, selfCpu } from './cpu-usage.ts';
import { createClient } from './load-generator.ts';
import { createGuids, seedOpenedEmails } from './seeding.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    journeys: { type: 'string', default: '1000' },
    projection: { type: 'string' },
    batch: { type: 'string', default: '500' },
  },
});

/** Runs fn over `events` events: their rate, and CPU µs per event of this process and of the rest (the database). */
const measured = async (events: number, fn: () => Promise<void>) => {
  const m0 = machineBusy();
  const s0 = selfCpu();
  const t0 = performance.now();
  await fn();
  const s = (performance.now() - t0) / 1000;
  const self = selfCpu() - s0;
  const rest = machineBusy() - m0 - self;
  return { perSecond: events / s, seconds: s, selfUs: (self / events) * 1e6, restUs: (rest / events) * 1e6 };
};

const seed = async (url: string, total: number, journeys: number) => {
  const server = await startServer({ DATABASE_URL: url });
  const client = createClient(server.baseUrl, 16);
  const guids = await createGuids(client, journeys);
  const t0 = performance.now();
  await seedOpenedEmails(client, guids, total);
  log(`seeded ${total} events over ${journeys} journeys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  client.close();
  await server.stop();
};

const main = async () => {
  const url = await createBenchDatabase(`bench_projection_${Date.now()}`, false);
  await seed(url, Number(args.events), Number(args.journeys));
  const rt = await openRuntime({ kind: 'postgres', connectionString: url, poolSize: 4 }, 'threadline projection-bench');
  const deps = { readModels: rt.store.readModels as Kysely<unknown>, log: rt.store.log };
  const total = await rt.store.log.count();
  const lines: string[] = [];
  const report = (name: string, r: Awaited<ReturnType<typeof measured>>) => {
    const line = `| ${name} | ${r.perSecond.toFixed(0)} | ${r.seconds.toFixed(1)} | ${r.selfUs.toFixed(0)} | ${r.restUs.toFixed(0)} |`;
    lines.push(line);
    log(line);
  };

  // The ceiling: the same number of rows inserted raw, 500 per statement, one table with its primary key.
  const raw = new pg.Pool({ connectionString: url, max: 1 });
  await raw.query('CREATE TABLE raw_rows (guid text NOT NULL, event_id text NOT NULL, data jsonb NOT NULL, PRIMARY KEY (guid, event_id))');
  report('raw insert of one row per event, 500 per statement', await measured(total, async () => {
    for (let i = 0; i < total; i += 500) {
      const n = Math.min(500, total - i);
      await raw.query('INSERT INTO raw_rows SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])', [
        Array.from({ length: n }, (_, k) => `g${(i + k) % 1000}`),
        Array.from({ length: n }, (_, k) => `e${i + k}`),
        Array.from({ length: n }, () => '{"template_id":"risk-alert","campaign":"winter-2024"}'),
      ]);
    }
  }));
  await raw.end();

  const chosen = args.projection ? PROJECTIONS.filter((p) => p.name === args.projection) : PROJECTIONS;
  for (const p of chosen) {
    for (const size of args.batch!.split(',').map(Number)) {
      await projectionTransaction(deps.readModels, (trx) => recreateProjection(trx, p));
      report(`${p.name}, live batches of ${size}`, await measured(total, async () => {
        while ((await processBatch(p, deps, size)) !== 0);
      }));
    }
    report(`${p.name}, rebuild`, await measured(total, async () => void (await rebuildProjections(deps, [p]))));
  }
  const sizes = await sql<{ relname: string; size: string }>`
    SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class
     WHERE relkind = 'r' AND relname IN (${sql.join(PROJECTIONS.flatMap((p) => p.tables).map((t) => sql.lit(t)))}) ORDER BY pg_total_relation_size(oid) DESC`.execute(deps.readModels);
  await rt.close();
  process.stdout.write(`\n${total} events (${args.journeys} journeys)\n\n| work | events/s | s | CPU µs/event, Node | CPU µs/event, database and the rest |\n|---|---|---|---|---|\n${lines.join('\n')}\n\n`);
  process.stdout.write(`${sizes.rows.map((r) => `${r.relname} ${r.size}`).join(', ')}\n`);
};

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanupAll);
