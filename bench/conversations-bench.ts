// Conversation reports over many demo conversations on PostgreSQL (latency of every report, sequential and with
// readers in parallel), next to a plain Node HTTP server's GET in the same run; and collector ingest (POST
// /api/v2/collect with hand-off tokens) next to the plain HTTP + JSON ceiling and one durable INSERT per request.
//
//   node --import tsx bench/conversations-bench.ts [--conversations 100000] [--runs 50] [--parallel 4]
//        [--clients 32] [--duration 15] [--reuse-db NAME] [--keep]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { BIN, childEnv, cleanupAll, createBenchDatabase, databaseUrl, log, startServer } from './bench-harness.ts';
import { closedLoop, createClient, fmtMs, formatStats, type HttpClient } from './load-generator.ts';

const { values: args } = parseArgs({
  options: {
    conversations: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '50' },
    parallel: { type: 'string', default: '4' },
    clients: { type: 'string', default: '32' },
    duration: { type: 'string', default: '15' },
    'reuse-db': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const FLOOR_SERVER = join(dirname(fileURLToPath(import.meta.url)), 'floor-server.ts');
// Reports measured over a data set that stays put: no idle expiry writing while they run.
const QUIET = { THREADLINE_CONVERSATION_TTL: 'off', THREADLINE_OUTREACH_ABANDON_DAYS: '0' };
const COLLECT_ORIGIN = 'https://webviews.bench.example';

const demo = async (storeEnv: Record<string, string>, n: number) => {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'demo', '--conversations', String(n), '--concurrency', '8', '--seed', '7'], { env: childEnv(storeEnv), stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr!.on('data', (c: Buffer) => (tail = (tail + c.toString()).slice(-2000)));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`demo exited with ${code}:\n${tail}`);
  log(tail.trim().split('\n').at(-1) ?? '');
  return (performance.now() - t0) / 1000;
};

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

const rows: string[] = [];

/**
 * `runs` requests one after another, then `runs` more from `parallel` readers at once; p50/p99 of each. The reports
 * keep an answer until their projection moves (src/projections/conversations/report-cache.ts): every request here
 * asks a window a millisecond longer than the one before, so each is computed (the cached answer is measured apart).
 */
const measure = async (client: HttpClient, label: string, path: (i: number) => string) => {
  const sequential: number[] = [];
  for (let i = 0; i < Number(args.runs); i++) {
    const t = performance.now();
    const r = await client.request('GET', path(i));
    if (r.status < 200 || r.status > 299) throw new Error(`${label}: ${r.status} ${r.body.slice(0, 300)}`);
    sequential.push(performance.now() - t);
  }
  const parallel: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(args.parallel) }, async () => {
      while (next < Number(args.runs)) {
        const i = Number(args.runs) + next++;
        const t = performance.now();
        const r = await client.request('GET', path(i));
        if (r.status < 200 || r.status > 299) throw new Error(`${label}: ${r.status}`);
        parallel.push(performance.now() - t);
      }
    }),
  );
  const line = `| ${label} | ${fmtMs(quantile(sequential, 0.5))} | ${fmtMs(quantile(sequential, 0.99))} | ${fmtMs(quantile(parallel, 0.5))} | ${fmtMs(quantile(parallel, 0.99))} |`;
  log(line);
  rows.push(line);
};

const windowOf = async (url: string) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows: r } = await c.query<{ first: Date; last: Date; n: string }>("SELECT min(created_at) AS first, max(created_at) AS last, count(*) AS n FROM journey_summary WHERE kind = 'conversation'");
  await c.end();
  return r[0]!;
};

const reports = async (storeEnv: Record<string, string>, url: string) => {
  const w = await windowOf(url);
  log(`${w.n} conversations from ${w.first.toISOString()} to ${w.last.toISOString()}`);
  const windowQuery = (start: number, end: number) => (i: number) => `start_date=${new Date(start).toISOString()}&end_date=${new Date(end + i).toISOString()}`;
  const all = windowQuery(w.first.getTime() - 86_400_000, w.last.getTime() + 86_400_000);
  const week = windowQuery(w.last.getTime() - 7 * 86_400_000, w.last.getTime());

  const floor = await startServer({}, {}, ['--import', 'tsx', FLOOR_SERVER, 'hello']);
  const fc = createClient(floor.baseUrl, 8);
  await measure(fc, 'plain HTTP server GET (ceiling)', () => '/anything');
  fc.close();
  await floor.stop();

  const server = await startServer(storeEnv, QUIET);
  const client = createClient(server.baseUrl, 8);
  for (const [name, q] of [
    ['28 days', all],
    ['7 days', week],
  ] as const) {
    await measure(client, `agents, ${name}`, (i) => `/api/v2/analytics/agents?${q(i)}`);
    await measure(client, `agents, ${name}, team=service`, (i) => `/api/v2/analytics/agents?${q(i)}&team=service`);
    await measure(client, `queues, ${name}`, (i) => `/api/v2/analytics/queues?${q(i)}`);
    await measure(client, `handovers, ${name}`, (i) => `/api/v2/analytics/handovers?${q(i)}`);
    for (const metric of ['demand', 'staffing', 'wait']) await measure(client, `heatmap ${metric} Asia/Kolkata, ${name}`, (i) => `/api/v2/analytics/heatmap?${q(i)}&metric=${metric}&tz=Asia/Kolkata`);
    await measure(client, `friction book-service, ${name}`, (i) => `/api/v2/analytics/friction?${q(i)}&webview_id=book-service`);
    await measure(client, `friction book-service, ${name}, department=service`, (i) => `/api/v2/analytics/friction?${q(i)}&webview_id=book-service&department=service`);
    await measure(client, `active, ${name}`, (i) => `/api/v2/analytics/active?${q(i)}`);
  }
  await measure(client, 'active, now (no window)', () => '/api/v2/analytics/active');
  await measure(client, 'agents, 28 days, the same question again (cached answer)', () => `/api/v2/analytics/agents?${all(0)}`);
  client.close();
  return server;
};

/** Collector ingest: conversations handed off to a web view, each request a batch of 3 web-view events. */
const collect = async (server: { baseUrl: string }) => {
  const admin = createClient(server.baseUrl, 16);
  const tokens: string[] = [];
  for (let i = 0; i < 200; i++) {
    const open = await admin.request('POST', '/api/v2/tracking/conversations', { channel: 'CHAT', dealer_code: 'BENCH1', platform: 'whatsapp' });
    const guid = (JSON.parse(open.body) as { guid: string }).guid;
    const h = await admin.request('POST', `/api/v2/tracking/journey/${guid}/handoff`, { webview_id: 'book-service', ttl_seconds: 3600 });
    if (h.status !== 201 && h.status !== 200) throw new Error(`handoff: ${h.status} ${h.body}`);
    tokens.push((JSON.parse(h.body) as { token: string }).token);
  }
  admin.close();
  const c = createClient(server.baseUrl, Number(args.clients), { origin: COLLECT_ORIGIN });
  const stats = await closedLoop({ label: `POST /api/v2/collect, 3 events, ${args.clients} clients`, concurrency: Number(args.clients), durationMs: Number(args.duration) * 1000, maxRequests: 1e7 }, async (i) => {
    const at = new Date().toISOString();
    const events = ['vehicle', 'date', 'slot'].map((step) => ({ id: randomUUID(), type: 'step', name: step, at }));
    const r = await c.request('POST', '/api/v2/collect', { token: tokens[i % tokens.length], events });
    return r.status === 200;
  });
  c.close();
  log(formatStats(stats));
  return stats;
};

const ceilings = async () => {
  const out = [];
  const json = await startServer({}, {}, ['--import', 'tsx', FLOOR_SERVER, 'json']);
  const jc = createClient(json.baseUrl, Number(args.clients));
  out.push(await closedLoop({ label: `plain HTTP + JSON (ceiling), ${args.clients} clients`, concurrency: Number(args.clients), durationMs: Number(args.duration) * 1000, maxRequests: 1e7 }, async () => (await jc.request('POST', '/x', { events: [1, 2, 3] })).status === 200));
  jc.close();
  await json.stop();
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const insert = await startServer({ DATABASE_URL: await createBenchDatabase(`bench_conv_floor_${stamp}`, false) }, {}, ['--import', 'tsx', FLOOR_SERVER, 'insert']);
  const ic = createClient(insert.baseUrl, Number(args.clients));
  out.push(await closedLoop({ label: `one durable INSERT per request (ceiling), ${args.clients} clients`, concurrency: Number(args.clients), durationMs: Number(args.duration) * 1000, maxRequests: 1e7 }, async () => (await ic.request('POST', '/x', { events: [1, 2, 3] })).status === 201));
  ic.close();
  await insert.stop();
  for (const s of out) log(formatStats(s));
  return out;
};

try {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const db = args['reuse-db'] ?? `bench_conversations_${stamp}`;
  const url = args['reuse-db'] ? databaseUrl(db) : await createBenchDatabase(db, args.keep);
  const storeEnv = { DATABASE_URL: url, THREADLINE_COLLECT_ORIGINS: COLLECT_ORIGIN };
  if (!args['reuse-db']) log(`demo --conversations ${args.conversations}: ${(await demo(storeEnv, Number(args.conversations))).toFixed(0)} s (created and projected)`);
  const server = await reports(storeEnv, url);
  const ingest = await collect(server);
  await server.stop();
  const floors = await ceilings();
  process.stdout.write(
    [
      `Reports over ${args.conversations} demo conversations (PostgreSQL), ${args.runs} requests each; ms`,
      '',
      `| request | p50 | p99 | p50, ${args.parallel} in parallel | p99, ${args.parallel} in parallel |`,
      '|---|---|---|---|---|',
      ...rows,
      '',
      'Collector ingest (each request 3 events):',
      '',
      ...[ingest, ...floors].map((s) => `- ${formatStats(s)}`),
      '',
    ].join('\n'),
  );
} finally {
  await cleanupAll();
}
