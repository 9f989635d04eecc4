// Webhook latency and throughput: a real `threadline serve` with 10 endpoints (local receivers, each subscribed to
// event.logged), log-events at a constant rate (open loop); for every delivery, the time from the log-event's 2xx to
// the receiver having the request, and how many deliveries a second the dispatcher sustains. Both stores.
//
//   node --import tsx bench/webhook-bench.ts [--mode pglite|postgres|both] [--rate 100] [--duration 20] [--endpoints 10]
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { cleanupAll, createBenchDatabase, createBenchDataDir, log, sleep, startServer } from './bench-harness.ts';
import { BENCH_AUTH, createClient, openLoop } from './load-generator.ts';
import { guidBody } from './request-bodies.ts';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    rate: { type: 'string', default: '100' },
    duration: { type: 'string', default: '20' },
    endpoints: { type: 'string', default: '10' },
  },
});

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** A receiver answering 204 at once, noting when each event's delivery arrived. */
const receiver = async (arrivals: Map<string, number[]>) => {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const envelope = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { event_id?: string } };
      const id = envelope.data.event_id;
      if (id) arrivals.set(id, [...(arrivals.get(id) ?? []), at]);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => new Promise((r) => server.close(r)) };
};

const benchMode = async (mode: 'pglite' | 'postgres') => {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const storeEnv: Record<string, string> = mode === 'pglite' ? { THREADLINE_DATA_DIR: createBenchDataDir() } : { DATABASE_URL: await createBenchDatabase(`bench_webhooks_${stamp}`, false) };
  const server = await startServer(storeEnv, { THREADLINE_WEBHOOK_ALLOW_PRIVATE: 'true' });
  const client = createClient(server.baseUrl, 64, BENCH_AUTH);
  const arrivals = new Map<string, number[]>();
  const receivers = await Promise.all(Array.from({ length: Number(args.endpoints) }, () => receiver(arrivals)));
  for (const r of receivers) {
    const made = await client.request('POST', '/api/v2/webhooks', { url: r.url, events: ['event.logged'] });
    if (made.status !== 201) throw new Error(`subscribe ${made.status}: ${made.body}`);
  }
  const guids: string[] = [];
  for (let i = 0; i < 100; i++) guids.push((JSON.parse((await client.request('POST', '/api/v2/tracking/generate-guid', guidBody())).body) as { guid: string }).guid);
  const acked = new Map<string, number>();
  let seq = 0;
  const rate = Number(args.rate);
  const t0 = performance.now();
  const stats = await openLoop({ label: `${mode} log-event ${rate}/s`, rate, durationMs: Number(args.duration) * 1000 }, async () => {
    const id = `wb-${seq++}`;
    const r = await client.request('POST', '/api/v2/tracking/log-event', { guid: guids[seq % guids.length], event_type: 'EMAIL_OPENED', channel: 'EMAIL', event_id: id });
    acked.set(id, performance.now());
    return r.status === 201;
  });
  const expected = acked.size * receivers.length;
  for (const deadline = performance.now() + 60_000; performance.now() < deadline; await sleep(100)) {
    let n = 0;
    for (const id of acked.keys()) n += arrivals.get(id)?.length ?? 0;
    if (n >= expected) break;
  }
  const latencies: number[] = [];
  let received = 0;
  let last = t0;
  for (const [id, at] of acked) {
    for (const a of arrivals.get(id) ?? []) {
      latencies.push(a - at);
      received++;
      last = Math.max(last, a);
    }
  }
  const line = `| ${mode} | ${rate}/s × ${receivers.length} endpoints | ${acked.size} | ${received} / ${expected} | ${pct(latencies, 50).toFixed(1)} | ${pct(latencies, 95).toFixed(1)} | ${pct(latencies, 99).toFixed(1)} | ${(received / ((last - t0) / 1000)).toFixed(0)} | ${stats.p99.toFixed(1)} |`;
  log(line);
  client.close();
  await Promise.all(receivers.map((r) => r.close()));
  await server.stop();
  return line;
};

const main = async () => {
  const lines = ['| store | load | log-events | deliveries received / expected | p50 ms | p95 ms | p99 ms | deliveries/s | log-event p99 ms |', '|---|---|---|---|---|---|---|---|---|'];
  for (const mode of args.mode === 'both' ? (['pglite', 'postgres'] as const) : [args.mode as 'pglite' | 'postgres']) lines.push(await benchMode(mode));
  process.stdout.write(lines.join('\n') + '\n');
};

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
