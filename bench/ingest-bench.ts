// Ingest throughput side by side in one run, rounds interleaved: Threadline's batch endpoint, Segment endpoint and
// single-event endpoint against the same rows inserted raw from Node `pg` (multi-row INSERT, and one INSERT per
// event) and a plain Node HTTP server that parses the same JSON bodies. Closed loops; events per second. After each
// Threadline run it waits until every projection has caught up (one run's backlog would otherwise spend the next
// run's CPU) and reports that time and the rate over load and catch-up; and for every run the CPU per event of the
// server process and of everything else but this load generator (the database, from /proc).
//
//   node --import tsx bench/ingest-bench.ts [--rounds 2] [--duration 10] [--batch 100,1000] [--concurrency 8]
//        [--single-concurrency 64] [--embedded]   (also Threadline's batch endpoint on the embedded store)
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cleanupAll, createBenchDatabase, createBenchDataDir, log, startServer } from './bench-harness.ts';
import { machineBusy, processCpu, selfCpu } from './cpu-usage.ts';
import { createClient, type HttpClient } from './load-generator.ts';
import { createGuids, projectionLag, waitCaughtUp } from './seeding.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '10' },
    batch: { type: 'string', default: '100,1000' },
    concurrency: { type: 'string', default: '8' },
    'single-concurrency': { type: 'string', default: '64' },
    embedded: { type: 'boolean', default: false },
  },
});
const FLOOR_SERVER = join(dirname(fileURLToPath(import.meta.url)), 'floor-server.ts');
const durationMs = Number(args.duration) * 1000;
const batches = args.batch!.split(',').filter((b) => b.trim() !== '').map(Number);

let serverPid: number | undefined;
/** CPU microseconds per event of the last closed loop: the server's, and everything else's but the generator's. */
let lastCpu = { server: 0, rest: 0 };

/**
 * `workers` loops for the duration; each call returns how many events it stored. Events per second while loading,
 * and, given `drain` (waits until the projections have caught up), how long that took afterwards and the rate over
 * both: what the server sustains with its read models kept up. CPU is counted until the drain ends.
 */
const closed = async (workers: number, fn: () => Promise<number>, drain?: () => Promise<void>) => {
  let events = 0;
  let errors = 0;
  const cpu0 = { machine: machineBusy(), server: processCpu(serverPid), self: selfCpu() };
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const n = await fn().catch(() => -1);
        if (n < 0) errors++;
        else events += n;
      }
    }),
  );
  const loadedS = (performance.now() - start) / 1000;
  await drain?.();
  const drainS = (performance.now() - start) / 1000 - loadedS;
  const server = processCpu(serverPid) - cpu0.server;
  const rest = machineBusy() - cpu0.machine - server - (selfCpu() - cpu0.self);
  lastCpu = { server: (server / Math.max(1, events)) * 1e6, rest: (rest / Math.max(1, events)) * 1e6 };
  return { perSecond: events / loadedS, errors, drainS, sustained: events / (loadedS + drainS) };
};

let seq = 0;
const trackingEvents = (guids: string[], n: number) =>
  Array.from({ length: n }, () => ({ guid: guids[(seq * 7919) % guids.length]!, event_type: 'EMAIL_OPENED', channel: 'EMAIL', event_id: `ingest-${process.pid}-${seq++}`, details: { template_id: 'risk-alert', campaign: 'winter-2024' } }));
const segmentMessages = (guids: string[], n: number) =>
  trackingEvents(guids, n).map((e) => ({ type: 'track', event: 'Email Opened', messageId: e.event_id, userId: 'cust-1', timestamp: new Date().toISOString(), properties: { guid: e.guid, channel: 'EMAIL', template_id: 'risk-alert' } }));

const openThreadline = async (storeEnv: Record<string, string>) => {
  const server = await startServer(storeEnv, {});
  const admin = createClient(server.baseUrl);
  const made = await admin.request('POST', '/api/v2/admin/keys', { name: 'ingest bench', role: 'channel', dealers: ['DET001'] });
  const key = (JSON.parse(made.body) as { key: string }).key;
  const writer = createClient(server.baseUrl, 256, { authorization: `Bearer ${key}` });
  const segment = createClient(server.baseUrl, 256, { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });
  const guids = await createGuids(writer, 1000);
  return { server, admin, writer, segment, guids };
};

/** Until every projection has caught up (so that one run's backlog does not spend the next run's CPU). */
const caughtUp = (admin: HttpClient) => () => waitCaughtUp(admin);

const main = async () => {
  const url = await createBenchDatabase(`bench_ingest_${Date.now()}`, false);
  const raw = new pg.Pool({ connectionString: url, max: Number(args['single-concurrency']) });
  await raw.query('CREATE TABLE raw_events (global_position bigserial PRIMARY KEY, stream_id text NOT NULL, message_id text NOT NULL, message_type text NOT NULL, message_data jsonb NOT NULL, created timestamptz NOT NULL DEFAULT now())');
  const tl = await openThreadline({ DATABASE_URL: await createBenchDatabase(`bench_ingest_tl_${Date.now()}`, false) });
  const embedded = args.embedded ? await openThreadline({ THREADLINE_DATA_DIR: createBenchDataDir() }) : null;
  const plainServer = await startServer({}, {}, ['--import', 'tsx', FLOOR_SERVER, 'json']);
  const plain = createClient(plainServer.baseUrl);
  const rows: Record<string, number[]> = {};
  const note = (name: string, v: number) => (rows[name] ??= []).push(v);
  /** The last loop's rate and its CPU per event (the process given is "the server"). */
  const noteRun = (name: string, r: { perSecond: number; drainS: number; sustained: number }) => {
    note(name, r.perSecond);
    if (r.drainS > 0.05) {
      note(`  projections caught up, s after the load: ${name}`, r.drainS);
      note(`  events/s over load and catch-up: ${name}`, r.sustained);
    }
    note(`  CPU µs per event, server: ${name}`, lastCpu.server);
    note(`  CPU µs per event, database and the rest: ${name}`, lastCpu.rest);
  };
  const tlPid = tl.server.child.pid;
  const plainPid = plainServer.child.pid;
  const c = Number(args.concurrency);

  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const b of batches) {
      serverPid = undefined;
      const rawBatch = await closed(c, async () => {
        const events = trackingEvents(tl.guids, b);
        await raw.query('INSERT INTO raw_events (stream_id, message_id, message_type, message_data) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])', [
          events.map((e) => `journey-${e.guid}`),
          events.map((e) => e.event_id),
          events.map(() => 'TrackingEventLogged'),
          events.map((e) => JSON.stringify(e)),
        ]);
        return b;
      });
      noteRun(`raw multi-row insert, batches of ${b}`, rawBatch);
      serverPid = plainPid;
      const http = await closed(c, async () => (JSON.parse((await plain.request('POST', '/events', { events: trackingEvents(tl.guids, b) })).body) as { accepted: number }).accepted);
      noteRun(`plain HTTP + JSON, batches of ${b}`, http);
      serverPid = tlPid;
      const events = await closed(c, async () => {
        const r = await tl.writer.request('POST', '/api/v2/tracking/events', { events: trackingEvents(tl.guids, b) });
        if (r.status !== 200) throw new Error(String(r.status));
        return (JSON.parse(r.body) as { accepted: number }).accepted;
      }, async () => {
        note(`Threadline projection lag after /events ${b} (s)`, await projectionLag(tl.admin));
        await caughtUp(tl.admin)();
      });
      noteRun(`Threadline POST /events, batches of ${b}`, events);
      const seg = await closed(c, async () => {
        const r = await tl.segment.request('POST', '/v1/batch', { batch: segmentMessages(tl.guids, Math.min(b, 1000)) });
        if (r.status !== 200) throw new Error(String(r.status));
        return (JSON.parse(r.body) as { accepted: number }).accepted;
      }, caughtUp(tl.admin));
      noteRun(`Threadline POST /v1/batch (Segment), batches of ${Math.min(b, 1000)}`, seg);
      if (embedded) {
        serverPid = embedded.server.child.pid;
        const emb = await closed(c, async () => {
          const r = await embedded.writer.request('POST', '/api/v2/tracking/events', { events: trackingEvents(embedded.guids, b) });
          if (r.status !== 200) throw new Error(String(r.status));
          return (JSON.parse(r.body) as { accepted: number }).accepted;
        }, caughtUp(embedded.admin));
        noteRun(`Threadline embedded POST /events, batches of ${b}`, emb);
      }
      log(`round ${round}, batches of ${b}: raw ${rawBatch.perSecond.toFixed(0)}, plain ${http.perSecond.toFixed(0)}, /events ${events.perSecond.toFixed(0)} (errors ${events.errors}), /v1/batch ${seg.perSecond.toFixed(0)} (errors ${seg.errors}) events/s`);
    }
    const single = Number(args['single-concurrency']);
    serverPid = undefined;
    const rawSingle = await closed(single, async () => {
      const e = trackingEvents(tl.guids, 1)[0]!;
      await raw.query('INSERT INTO raw_events (stream_id, message_id, message_type, message_data) VALUES ($1, $2, $3, $4)', [`journey-${e.guid}`, e.event_id, 'TrackingEventLogged', JSON.stringify(e)]);
      return 1;
    });
    noteRun(`raw single INSERT, ${single} clients`, rawSingle);
    serverPid = plainPid;
    const plainSingle = await closed(single, async () => (JSON.parse((await plain.request('POST', '/events', trackingEvents(tl.guids, 1)[0])).body) as { accepted: number }).accepted);
    noteRun(`plain HTTP + JSON, single events, ${single} clients`, plainSingle);
    serverPid = tlPid;
    const tlSingle = await closed(single, async () => ((await tl.writer.request('POST', '/api/v2/tracking/log-event', trackingEvents(tl.guids, 1)[0])).status === 201 ? 1 : -1), caughtUp(tl.admin));
    noteRun(`Threadline POST /log-event, ${single} clients`, tlSingle);
    log(`round ${round}, single events: raw ${rawSingle.perSecond.toFixed(0)}, plain ${plainSingle.perSecond.toFixed(0)}, log-event ${tlSingle.perSecond.toFixed(0)} (errors ${tlSingle.errors}) per s`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [name, vs] of Object.entries(rows).sort(([a], [b]) => Number(a.startsWith(' ')) - Number(b.startsWith(' ')))) log(`${name}: ${vs.map((v) => v.toFixed(v < 100 ? 1 : 0)).join(' / ')} (median ${median(vs).toFixed(median(vs) < 100 ? 1 : 0)})`);
  for (const cl of [plain, tl.admin, tl.writer, tl.segment, ...(embedded ? [embedded.admin, embedded.writer, embedded.segment] : [])]) cl.close();
  await raw.end();
  await tl.server.stop();
  await embedded?.server.stop();
  await plainServer.stop();
};

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanupAll);
