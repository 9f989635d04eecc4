// NATS JetStream latency: from the 2xx of log-event to the envelope arriving at a JetStream consumer (an ordered
// consumer on the stream Threadline creates), p50/p95/p99, on both stores. Open loop at a constant rate so a slow
// publisher cannot hide its queueing. Needs a NATS server with JetStream (default nats://127.0.0.1:4222).
//
//   node --import tsx bench/nats-bench.ts [--mode pglite|postgres|both] [--rate 50] [--duration 20] [--journeys 50] [--nats nats://127.0.0.1:4222]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connect, type NatsConnection } from 'nats';
import { cleanupAll, cleanups, createBenchDatabase, createBenchDataDir, log, sleep, startServer } from './bench-harness.ts';
import { createClient } from './load-generator.ts';
import { guidBody } from './request-bodies.ts';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '20' },
    journeys: { type: 'string', default: '50' },
    nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
  },
});

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

/** Streams already capturing `threadline.>` would make Threadline's stream creation fail (subjects may not overlap). */
const checkNoOverlap = async (nc: NatsConnection) => {
  const jsm = await nc.jetstreamManager();
  for await (const s of jsm.streams.list()) {
    if (s.config.subjects.some((x) => x === 'threadline.>' || x.startsWith('threadline.'))) throw new Error(`stream ${s.config.name} already captures ${s.config.subjects.join(', ')}: delete it or run on another NATS server`);
  }
};

const runMode = async (mode: 'pglite' | 'postgres', nc: NatsConnection) => {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const stream = `THREADLINE_BENCH_${mode.toUpperCase()}_${stamp}`;
  const storeEnv: Record<string, string> = mode === 'pglite' ? { THREADLINE_DATA_DIR: createBenchDataDir() } : { DATABASE_URL: await createBenchDatabase(`bench_nats_${stamp}`, false) };
  const jsm = await nc.jetstreamManager();
  cleanups.push(async () => void (await jsm.streams.delete(stream).catch(() => false)));
  const server = await startServer(storeEnv, { NATS_URL: args.nats, THREADLINE_NATS_STREAM: stream });
  const http = createClient(server.baseUrl);
  const guids: string[] = [];
  for (let i = 0; i < Number(args.journeys); i++) {
    const res = await http.request('POST', '/api/v2/tracking/generate-guid', guidBody());
    if (res.status !== 201) throw new Error(`generate-guid answered ${res.status}: ${res.body}`);
    guids.push((JSON.parse(res.body) as { guid: string }).guid);
  }
  // The consumer reads from the stream's start; the journeys' own envelopes are skipped by the event_id match.
  for (let i = 0; ; i++) {
    const info = await jsm.streams.info(stream).catch(() => null);
    if (info) break;
    if (i > 100) throw new Error(`Threadline did not create the stream ${stream}`);
    await sleep(100);
  }
  const received = new Map<string, number>();
  const messages = await (await nc.jetstream().consumers.get(stream)).consume();
  void (async () => {
    for await (const m of messages) {
      const env = JSON.parse(m.string()) as { type: string; data: { event_id?: string } };
      if (env.type === 'event.logged' && env.data.event_id) received.set(env.data.event_id, performance.now());
    }
  })();

  const rate = Number(args.rate);
  const total = Math.round(rate * Number(args.duration));
  const acked = new Map<string, number>();
  let errors = 0;
  const t0 = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const event_id = `bench-${stamp}-${i}`;
    sends.push(
      http.request('POST', '/api/v2/tracking/log-event', { guid: guids[i % guids.length], event_type: 'EMAIL_OPENED', channel: 'EMAIL', event_id }).then(
        (res) => {
          if (res.status === 201) acked.set(event_id, performance.now());
          else errors++;
        },
        (error: unknown) => {
          // Counted, not fatal: a reset keep-alive socket must not end the run (and leave its stream behind).
          errors++;
          log(`log-event failed: ${(error as Error).message}`);
        },
      ),
    );
  }
  await Promise.all(sends);
  for (const deadline = performance.now() + 30_000; performance.now() < deadline && [...acked.keys()].some((id) => !received.has(id)); ) await sleep(50);
  messages.stop();
  const latencies = [...acked].flatMap(([id, t]) => (received.has(id) ? [received.get(id)! - t] : [])).sort((a, b) => a - b);
  const missing = acked.size - latencies.length;
  const { state } = await jsm.streams.info(stream);
  http.close();
  await server.stop();
  // The next mode's stream captures the same subjects: streams may not overlap.
  await jsm.streams.delete(stream);
  return { mode, sent: total, errors, missing, count: latencies.length, streamMessages: state.messages, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1)!, min: latencies[0]! };
};

try {
  const nc = await connect({ servers: args.nats, timeout: 2000 });
  cleanups.push(() => nc.close());
  await checkNoOverlap(nc);
  const modes = args.mode === 'both' ? (['pglite', 'postgres'] as const) : [args.mode as 'pglite' | 'postgres'];
  const rows: string[] = [];
  for (const mode of modes) {
    log(`${mode}: ${args.rate} log-events/s for ${args.duration} s over ${args.journeys} journeys`);
    const r = await runMode(mode, nc);
    log(JSON.stringify(r));
    rows.push(`| ${r.mode} | ${args.rate}/s | ${r.count} | ${r.missing} | ${r.errors} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} |`);
  }
  console.log('| store | rate | received | missing | errors | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|---|');
  console.log(rows.join('\n'));
} finally {
  await cleanupAll();
}
