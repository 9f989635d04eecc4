// Overload: log-event below capacity (open loop) and then from many more clients than the server can serve (closed
// loop), with the server's default backpressure (THREADLINE_MAX_IN_FLIGHT). What the accepted requests' latency
// does, and how fast the shed ones are told to come back.
//
//   node --import tsx bench/overload-bench.ts [--mode pglite|postgres|both] [--clients 600] [--duration 20] [--rate 200]
//        [--max-in-flight 64] [--retry-after-ms 1000]
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { cleanupAll, createBenchDatabase, createBenchDataDir, log, startServer } from './bench-harness.ts';
import { createClient, formatStats, openLoop } from './load-generator.ts';
import { createGuids } from './seeding.ts';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    clients: { type: 'string', default: '600' },
    duration: { type: 'string', default: '20' },
    rate: { type: 'string', default: '200' },
    'max-in-flight': { type: 'string', default: '64' },
    /** How long a shed client waits before it sends again: 1000 honours Retry-After: 1; less is a hostile client. */
    'retry-after-ms': { type: 'string', default: '1000' },
  },
});

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const benchMode = async (mode: string) => {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const storeEnv: Record<string, string> = mode === 'pglite' ? { THREADLINE_DATA_DIR: createBenchDataDir() } : { DATABASE_URL: await createBenchDatabase(`bench_overload_${stamp}`, false) };
  const server = await startServer(storeEnv, { THREADLINE_MAX_IN_FLIGHT: args['max-in-flight']! });
  const client = createClient(server.baseUrl, Number(args.clients) + 16);
  const guids = await createGuids(client, 500);
  let seq = 0;
  const body = () => ({ guid: guids[randomInt(guids.length)], event_type: 'SMS_SENT', channel: 'SMS', event_id: `overload-${process.pid}-${seq++}` });

  const unloaded = await openLoop({ label: `${mode} log-event ${args.rate}/s (below capacity)`, rate: Number(args.rate), durationMs: Number(args.duration) * 1000 }, async () => (await client.request('POST', '/api/v2/tracking/log-event', body())).status === 201);
  log(formatStats(unloaded));

  const accepted: number[] = [];
  const shed: number[] = [];
  // The same, past the first 2 s: the clients open their connections all at once, and the first wave of requests
  // queues on the two cores (the server answers each 503 in 0.3 ms, but reads the first 600 over about 2 s).
  const acceptedLater: number[] = [];
  const settled = performance.now() + 2000;
  const other: Record<string, number> = {};
  const end = performance.now() + Number(args.duration) * 1000;
  await Promise.all(
    Array.from({ length: Number(args.clients) }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const r = await client.request('POST', '/api/v2/tracking/log-event', body()).catch((e: Error) => ({ status: -1, body: e.message }));
        const ms = performance.now() - t0;
        if (r.status === 201) {
          accepted.push(ms);
          if (t0 > settled) acceptedLater.push(ms);
        }
        else if (r.status === 503 && r.body.includes('overloaded')) {
          shed.push(ms);
          await new Promise((res) => setTimeout(res, Number(args['retry-after-ms'])));
        } else other[String(r.status)] = (other[String(r.status)] ?? 0) + 1;
      }
    }),
  );
  const seconds = Number(args.duration);
  log(
    `${mode} ${args.clients} clients closed loop: accepted ${accepted.length} (${(accepted.length / seconds).toFixed(0)}/s) p50 ${pct(accepted, 50).toFixed(1)} / p99 ${pct(accepted, 99).toFixed(1)} ms; ` +
      `shed ${shed.length} (${(shed.length / seconds).toFixed(0)}/s) p50 ${pct(shed, 50).toFixed(1)} / p99 ${pct(shed, 99).toFixed(1)} ms; other ${JSON.stringify(other)}; ` +
      `unloaded p99 ${unloaded.p99.toFixed(1)} ms -> accepted p99 is ${(pct(accepted, 99) / unloaded.p99).toFixed(1)}x; ` +
      `past the first 2 s: p50 ${pct(acceptedLater, 50).toFixed(1)} / p99 ${pct(acceptedLater, 99).toFixed(1)} ms (${(pct(acceptedLater, 99) / unloaded.p99).toFixed(1)}x)`,
  );
  client.close();
  await server.stop();
};

const main = async () => {
  for (const mode of args.mode === 'both' ? ['pglite', 'postgres'] : [args.mode!]) await benchMode(mode);
};

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanupAll);
