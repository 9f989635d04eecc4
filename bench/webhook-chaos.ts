// Chaos test of webhook delivery (issue 18): a real `threadline serve`, a receiver that fails about half its requests
// and drops connections, 1,000 log-events moving journeys, the server SIGKILLed several times while it ingests and
// delivers and restarted on the same store. Then every envelope must have been acknowledged by the receiver at
// least once: unique webhook-ids = the outbox's envelopes (1,000 event.logged for endpoint A; every envelope for B).
// Exits 1 otherwise. Results: docs/webhooks.md.
//
//   node --import tsx bench/webhook-chaos.ts [--mode pglite|postgres|both] [--events 1000] [--journeys 100]
//        [--kills 6] [--clients 8] [--seed 1] [--keep]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openStore, type StoreConfig } from '../src/eventstore/index.ts';
import { cleanupAll, createBenchDataDir, createBenchDatabase, log, sleep, startServer, type Server } from './bench-harness.ts';
import { BENCH_AUTH } from './load-generator.ts';
import { prng, startChaosReceiver, type EndpointBook, type Rng } from './webhook-chaos-receiver.ts';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    events: { type: 'string', default: '1000' },
    journeys: { type: 'string', default: '100' },
    kills: { type: 'string', default: '6' },
    clients: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
  },
});
const cfg = { events: Number(args.events), journeys: Number(args.journeys), kills: Number(args.kills), clients: Number(args.clients), seed: Number(args.seed) };
const modes = args.mode === 'both' ? (['pglite', 'postgres'] as const) : [args.mode as 'pglite' | 'postgres'];

/** Ten events a journey goes through, each moving it or not (CONTACTED, ENGAGED, SCHEDULED, back to ENGAGED, ...). */
const STEPS: { type: string; channel: string; details?: Record<string, unknown> }[] = [
  { type: 'EMAIL_SENT', channel: 'EMAIL' },
  { type: 'EMAIL_OPENED', channel: 'EMAIL' },
  { type: 'SMS_SENT', channel: 'SMS' },
  { type: 'SMS_CLICKED', channel: 'SMS' },
  { type: 'PORTAL_SCHEDULE_APPOINTMENT', channel: 'PORTAL', details: { appointment_id: 'A1', scheduled_for: '2025-01-10T09:00:00Z', service_type: 'battery' } },
  { type: 'APPOINTMENT_CANCELLED', channel: 'PORTAL', details: { appointment_id: 'A1' } },
  { type: 'PORTAL_SCHEDULE_APPOINTMENT', channel: 'PORTAL', details: { appointment_id: 'A2' } },
  { type: 'ARRIVED', channel: 'SYSTEM', details: { appointment_id: 'A2' } },
  { type: 'SERVICED', channel: 'SYSTEM', details: { revenue: 650 } },
  { type: 'EMAIL_SENT', channel: 'EMAIL' },
];

const START = Date.UTC(2024, 11, 7, 10);
const iso = (ms: number) => new Date(ms).toISOString();

interface ModeResult {
  mode: string;
  wallS: number;
  kills: { at: string; ackedA: number; ackedB: number }[];
  events: number;
  expectedA: number;
  expectedB: number;
  uniqueA: number;
  uniqueB: number;
  missingA: number;
  missingB: number;
  duplicates: number;
  requests: number;
  failedRequests: number;
  badSignatures: number;
  deadLetters: number;
}

/** POST until the server answers (it is being killed and restarted under us); the answer's status and body. */
const post = async (base: () => string, path: string, body: unknown): Promise<{ status: number; body: Record<string, string> }> => {
  for (;;) {
    try {
      const res = await fetch(base() + path, { method: 'POST', headers: { 'content-type': 'application/json', ...BENCH_AUTH }, body: JSON.stringify(body) });
      const text = await res.text();
      if (res.status !== 503) return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, string> };
    } catch {
      // killed mid-request: nothing acknowledged; sent again (the event id makes a stored one a duplicate)
    }
    await sleep(200);
  }
};

const runMode = async (mode: 'pglite' | 'postgres'): Promise<ModeResult> => {
  const t0 = performance.now();
  const rng: Rng = prng(cfg.seed * 31 + (mode === 'pglite' ? 1 : 2));
  let storeEnv: Record<string, string>;
  let config: StoreConfig;
  if (mode === 'pglite') {
    const dir = createBenchDataDir(args.keep);
    storeEnv = { THREADLINE_DATA_DIR: dir };
    config = { kind: 'pglite', dataDir: dir };
  } else {
    const url = await createBenchDatabase(`threadline_chaos_${process.pid}_${Date.now() % 100000}`, args.keep);
    storeEnv = { DATABASE_URL: url };
    config = { kind: 'postgres', connectionString: url, poolSize: 2 };
  }
  const receiver = await startChaosReceiver(prng(cfg.seed * 977 + 5));
  const env = { THREADLINE_WEBHOOK_ALLOW_PRIVATE: 'true' };
  const logFile = join(mkdtempSync(join(tmpdir(), 'threadline-webhook-chaos-')), `${mode}-server.log`);
  log(`${mode}: server log ${logFile}`);
  let server: Server = await startServer(storeEnv, env, undefined, { logFile });
  const port = Number(new URL(server.baseUrl).port);
  const base = () => server.baseUrl;

  const subscribe = async (path: string, events: string[]) => {
    const res = await post(base, '/api/v2/webhooks', { url: receiver.url + path, events, description: `chaos ${path}` });
    if (res.status !== 201) throw new Error(`subscribe ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body['id']!, book: receiver.endpoint(path, res.body['secret']!) };
  };
  const a = await subscribe('/a', ['event.logged']);
  const b = await subscribe('/b', ['*']);
  const books: EndpointBook[] = [a.book, b.book];

  // The killer: SIGKILL at random moments, restart on the same store and port, until the kills are spent.
  const kills: ModeResult['kills'] = [];
  let ingesting = true;
  const killer = (async () => {
    while (kills.length < cfg.kills) {
      // Half the kills while events are being sent, the rest while the backlog is being delivered.
      await sleep(1000 + rng() * 2500);
      if (kills.length >= Math.ceil(cfg.kills / 2) && ingesting) continue;
      kills.push({ at: ingesting ? 'ingesting' : 'delivering', ackedA: a.book.acked.size, ackedB: b.book.acked.size });
      await server.crash();
      log(`${mode}: kill ${kills.length} (${kills.at(-1)!.at}; acknowledged so far A=${a.book.acked.size} B=${b.book.acked.size})`);
      server = await startServer(storeEnv, env, undefined, { port, logFile });
    }
  })();

  // The journeys, then their events from concurrent clients, each journey's in order.
  const guids: string[] = [];
  for (let j = 0; j < cfg.journeys; j++) {
    const vin = `1FTFW1ET5D${String(cfg.seed % 1000).padStart(3, '0')}${String(j).padStart(4, '0')}`;
    const res = await post(base, '/api/v2/tracking/generate-guid', { vin, dealer_code: 'DET001', risk_event: { component_code: 'BAT', severity: 'CRITICAL', risk_score: 87.5, timestamp: iso(START + j * 1000) } });
    if (res.status !== 201) throw new Error(`generate-guid: ${res.status} ${JSON.stringify(res.body)}`);
    guids.push(res.body['guid']!);
  }
  const perJourney = Math.ceil(cfg.events / cfg.journeys);
  const queue = Array.from({ length: cfg.events }, (_, i) => ({ j: i % cfg.journeys, k: Math.floor(i / cfg.journeys) })).sort((x, y) => x.j - y.j || x.k - y.k);
  let sent = 0;
  await Promise.all(
    Array.from({ length: cfg.clients }, async (_, c) => {
      for (const { j, k } of queue.filter((q) => q.j % cfg.clients === c)) {
        const step = STEPS[k % STEPS.length]!;
        const res = await post(base, '/api/v2/tracking/log-event', { guid: guids[j], event_id: `chaos-${cfg.seed}-${j}-${k}`, event_type: step.type, channel: step.channel, occurred_at: iso(START + j * 1000 + (k + 1) * 60_000), ...(step.details ? { details: step.details } : {}) });
        if (res.status !== 201 && res.status !== 200) throw new Error(`log-event: ${res.status} ${JSON.stringify(res.body)}`);
        sent++;
      }
    }),
  );
  ingesting = false;
  log(`${mode}: ${sent} events acknowledged (${perJourney} per journey); delivering`);
  await killer;

  // Delivered when nothing is pending on either endpoint and nothing new arrived for a few seconds.
  const pending = async () => {
    let n = 0;
    for (const s of [a, b]) {
      const res = await fetch(`${base()}/api/v2/webhooks/${s.id}/deliveries?limit=1`, { headers: BENCH_AUTH });
      const body = (await res.json()) as { counts: Record<string, number> };
      n += body.counts['pending']!;
    }
    return n;
  };
  let last = -1;
  for (let quiet = 0, deadline = Date.now() + 15 * 60_000; quiet < 4 && Date.now() < deadline; ) {
    await sleep(1000);
    const seen = a.book.acked.size + b.book.acked.size;
    quiet = (await pending()) === 0 && seen === last ? quiet + 1 : 0;
    last = seen;
  }
  const dead = async (id: string) => ((await (await fetch(`${base()}/api/v2/webhooks/${id}/deliveries?limit=1`, { headers: BENCH_AUTH })).json()) as { counts: Record<string, number> }).counts['failed']!;
  const deadLetters = (await dead(a.id)) + (await dead(b.id));
  await server.stop();
  await receiver.close();

  // What should have arrived: the outbox itself, read once the server is gone.
  const store = await openStore(config, 'webhook chaos verify');
  const { rows } = await sql<{ id: string; type: string }>`SELECT id, type FROM live_envelopes`.execute(store.readModels);
  const expectedB = new Set(rows.map((r) => r.id));
  const expectedA = new Set(rows.filter((r) => r.type === 'event.logged').map((r) => r.id));
  const missingIds = (expected: Set<string>, book: EndpointBook) => [...expected].filter((id) => !book.acked.has(id));
  const missing = (expected: Set<string>, book: EndpointBook) => missingIds(expected, book).length;
  // What the store says of anything missing: its delivery row and every attempt (the diagnosis of a failed run).
  const lost = [...missingIds(expectedA, a.book), ...missingIds(expectedB, b.book)];
  if (lost.length > 0) {
    const found = await sql`SELECT d.subscription_id, d.envelope_id, d.status, d.attempts, d.last_status, d.created_at, d.delivered_at, (SELECT json_agg(json_build_object('at', t.at, 'status', t.status_code, 'error', t.error) ORDER BY t.id) FROM threadline_webhook_attempts t WHERE t.delivery_id = d.id) AS tries FROM threadline_webhook_deliveries d WHERE d.envelope_id IN (${sql.join(lost)})`.execute(store.readModels);
    const cursor = await sql`SELECT * FROM threadline_webhook_relay_cursor`.execute(store.readModels);
    const where = await sql`SELECT id, position, idx, type FROM live_envelopes WHERE id IN (${sql.join(lost)})`.execute(store.readModels);
    log(`missing: ${JSON.stringify({ envelopes: where.rows, deliveries: found.rows, cursor: cursor.rows, a: a.id, b: b.id }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
  }
  await store.close();
  const extra = [...a.book.acked.keys()].filter((id) => !expectedA.has(id)).length + [...b.book.acked.keys()].filter((id) => !expectedB.has(id)).length;
  if (extra > 0) throw new Error(`${extra} webhook-ids received that are not in the outbox`);
  return {
    mode,
    wallS: (performance.now() - t0) / 1000,
    kills,
    events: sent,
    expectedA: expectedA.size,
    expectedB: expectedB.size,
    uniqueA: a.book.acked.size,
    uniqueB: b.book.acked.size,
    missingA: missing(expectedA, a.book),
    missingB: missing(expectedB, b.book),
    duplicates: books.reduce((n, bk) => n + [...bk.acked.values()].reduce((m, c) => m + c - 1, 0), 0),
    requests: books.reduce((n, bk) => n + bk.requests, 0),
    failedRequests: books.reduce((n, bk) => n + bk.failed.status500 + bk.failed.status503 + bk.failed.dropped, 0),
    badSignatures: books.reduce((n, bk) => n + bk.badSignatures, 0),
    deadLetters,
  };
};

let failed = false;
try {
  for (const mode of modes) {
    const r = await runMode(mode);
    const ok = r.missingA === 0 && r.missingB === 0 && r.badSignatures === 0 && r.expectedA === cfg.events;
    failed ||= !ok;
    process.stdout.write(`${JSON.stringify(r)}\n`);
    log(
      `${mode}: ${ok ? 'PASS' : 'FAIL'} in ${r.wallS.toFixed(0)} s, ${r.kills.length} kills: A (event.logged) ${r.uniqueA}/${r.expectedA} unique ids, B (*) ${r.uniqueB}/${r.expectedB}; ` +
        `${r.requests} requests, ${r.failedRequests} failed on purpose (${((100 * r.failedRequests) / r.requests).toFixed(0)}%), ${r.duplicates} duplicates acknowledged, ${r.badSignatures} bad signatures, ${r.deadLetters} dead letters`,
    );
  }
} finally {
  await cleanupAll();
}
process.exit(failed ? 1 : 0);
