// The live stream's latency: from the 2xx of log-event to the SSE message of that event, with 1 and with 1,000
// clients connected to `threadline serve` on loopback, on both stores (target p95 < 50 ms); each latency is one
// (client, event) pair, taken in this process as each client's message is parsed.
//
//   node --import tsx bench/sse-bench.ts [--mode pglite|postgres|both] [--events 200] [--clients 1,1000] [--gap 25]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openSse, type SseStream } from '../tests/helpers/sse-reader.ts';
import { cleanupAll, createBenchDatabase, createBenchDataDir, log, sleep, startServer } from './bench-harness.ts';
import { BENCH_AUTH } from './load-generator.ts';
import { guidBody } from './request-bodies.ts';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    events: { type: 'string', default: '200' },
    clients: { type: 'string', default: '1,1000' },
    // Between two events: a stream of updates, not a burst (a burst measures queueing, not delivery).
    gap: { type: 'string', default: '25' },
  },
});

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const post = async (baseUrl: string, path: string, body: unknown) => {
  const res = await fetch(baseUrl + path, { method: 'POST', headers: { ...BENCH_AUTH, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${path} ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
};

const rows: string[] = [];

const run = async (mode: 'pglite' | 'postgres', baseUrl: string, clients: number) => {
  const { guid } = (await post(baseUrl, '/api/v2/tracking/generate-guid', guidBody())) as { guid: string };
  const streams: SseStream[] = [];
  // In waves, as many clients reconnecting after a deploy would.
  for (let i = 0; i < clients; i += 50) streams.push(...(await Promise.all(Array.from({ length: Math.min(50, clients - i) }, () => openSse(`${baseUrl}/api/v2/stream?events=event.logged`, BENCH_AUTH)))));
  if (streams.some((s) => s.status !== 200)) throw new Error(`a stream was refused: ${streams.find((s) => s.status !== 200)!.problem}`);
  const acked = new Map<string, number>();
  const events = Number(args.events);
  for (let i = 0; i < events; i++) {
    const event_id = `sse-bench-${clients}-${i}`;
    await post(baseUrl, '/api/v2/tracking/log-event', { guid, event_id, event_type: 'EMAIL_OPENED', channel: 'EMAIL' });
    acked.set(event_id, performance.now());
    await sleep(Number(args.gap));
  }
  await Promise.all(streams.map((s) => s.count(events, 60_000)));
  const latencies: number[] = [];
  // Per event, the first and the last client told: the spread is the cost of the 1,000 (server writes and this
  // process parsing 1,000 messages on one thread).
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  for (const s of streams) {
    for (const m of s.messages) {
      const id = (JSON.parse(m.data) as { data: { event_id: string } }).data.event_id;
      const at = acked.get(id);
      if (at === undefined) continue;
      latencies.push(m.at - at);
      first.set(id, Math.min(first.get(id) ?? Infinity, m.at - at));
      last.set(id, Math.max(last.get(id) ?? -Infinity, m.at - at));
    }
    s.close();
  }
  const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);
  const all = sorted(latencies);
  const [p50, p95, p99, max] = [0.5, 0.95, 0.99, 1].map((q) => quantile(all, q));
  const [firstP95, lastP95] = [first.values(), last.values()].map((xs) => quantile(sorted(xs), 0.95));
  const line = `| ${mode} | ${clients} | ${events} | ${latencies.length} | ${p50!.toFixed(1)} | ${p95!.toFixed(1)} | ${p99!.toFixed(1)} | ${max!.toFixed(1)} | ${firstP95!.toFixed(1)} | ${lastP95!.toFixed(1)} |`;
  log(line);
  rows.push(line);
  // Let the closed streams go before the next run.
  await sleep(500);
};

const benchMode = async (mode: 'pglite' | 'postgres') => {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const storeEnv: Record<string, string> = mode === 'pglite' ? { THREADLINE_DATA_DIR: createBenchDataDir() } : { DATABASE_URL: await createBenchDatabase(`bench_sse_${stamp}`, false) };
  const server = await startServer(storeEnv);
  try {
    for (const clients of args.clients.split(',').map(Number)) await run(mode, server.baseUrl, clients);
  } finally {
    await server.stop();
  }
};

const main = async () => {
  log(`sse bench: ${args.events} events, ${args.gap} ms apart, with ${args.clients} clients`);
  for (const mode of args.mode === 'both' ? (['pglite', 'postgres'] as const) : [args.mode as 'pglite' | 'postgres']) await benchMode(mode);
  process.stdout.write(['| store | clients | events | messages | p50 ms | p95 ms | p99 ms | max ms | first client p95 | last client p95 |', '|---|---|---|---|---|---|---|---|---|---|', ...rows].join('\n') + '\n');
};

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
