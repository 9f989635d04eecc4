// Channel tracking: the open pixel, a tracked email link's and an SMS short link's redirect at a constant 1,000 requests/s (open loop) on both
// stores, next to a plain Node HTTP server answering the same GETs in the same run; and inbound webhook throughput
// (Twilio SMS replies, correctly signed) next to one durable INSERT per request of the same body.
//
//   node --import tsx bench/channels-bench.ts [--mode pglite|postgres|both] [--rate 1000] [--duration 20] [--clients 64]
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import twilio from 'twilio';
import { cleanupAll, createBenchDatabase, createBenchDataDir, freePort, log, startServer } from './bench-harness.ts';
import { BENCH_AUTH, closedLoop, formatStats, openLoop, type RunStats } from './load-generator.ts';
import { guidBody } from './request-bodies.ts';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '20' },
    clients: { type: 'string', default: '64' },
  },
});

const FLOOR_SERVER = join(dirname(fileURLToPath(import.meta.url)), 'floor-server.ts');
const TWILIO_TOKEN = 'bench-twilio-auth-token-0123456789';
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Any request to the loopback server, with exactly these headers; keep-alive. */
const rawClient = (baseUrl: string) => {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<Answer>((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(body);
      const req = http.request({ host: '127.0.0.1', port: Number(url.port), method, path, agent, headers: payload ? { ...headers, 'content-length': payload.length } : headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error('request timeout (30 s)')));
      req.on('error', reject);
      req.end(payload);
    });
  return { send, close: () => agent.destroy() };
};

const json = (headers: Record<string, string> = {}) => ({ ...BENCH_AUTH, 'content-type': 'application/json', ...headers });

const results: string[] = [];
const record = (s: RunStats) => {
  log(formatStats(s));
  results.push(`| ${s.label} | ${s.count} | ${s.errors} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.max.toFixed(1)} | ${s.throughput.toFixed(0)} |`);
};

const durationMs = () => Number(args.duration) * 1000;

/** The same GETs answered by a plain Node HTTP server (floor-server `hello`): what this machine allows. */
const floorGets = async () => {
  const floor = await startServer({}, {}, ['--import', 'tsx', FLOOR_SERVER, 'hello']);
  const c = rawClient(floor.baseUrl);
  record(await openLoop({ label: `plain HTTP server GET ${args.rate}/s`, rate: Number(args.rate), durationMs: durationMs() }, async () => (await c.send('GET', '/anything', { 'user-agent': BROWSER })).status === 201));
  c.close();
  await floor.stop();
};

/** One durable INSERT of the same form body per request (floor-server `insert`): the storage ceiling of a webhook. */
const floorInserts = async (form: () => string) => {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const floor = await startServer({ DATABASE_URL: await createBenchDatabase(`bench_channels_floor_${stamp}`, false) }, {}, ['--import', 'tsx', FLOOR_SERVER, 'insert']);
  const c = rawClient(floor.baseUrl);
  record(
    await closedLoop({ label: `raw INSERT per webhook (PostgreSQL), ${args.clients} clients`, concurrency: Number(args.clients), durationMs: durationMs(), maxRequests: 1e7 }, async () =>
      (await c.send('POST', '/webhook', { 'content-type': 'application/json' }, JSON.stringify(Object.fromEntries(new URLSearchParams(form()))))).status === 201,
    ),
  );
  c.close();
  await floor.stop();
};

const benchMode = async (mode: 'pglite' | 'postgres') => {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const storeEnv: Record<string, string> = mode === 'pglite' ? { THREADLINE_DATA_DIR: createBenchDataDir() } : { DATABASE_URL: await createBenchDatabase(`bench_channels_${stamp}`, false) };
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const server = await startServer(storeEnv, { THREADLINE_PUBLIC_URL: publicUrl, TWILIO_AUTH_TOKEN: TWILIO_TOKEN }, undefined, { port });
  const c = rawClient(server.baseUrl);

  // 200 journeys, each with a customer phone and a prepared email of three links.
  const pixels: string[] = [];
  const links: string[] = [];
  const phones: string[] = [];
  const shorts: string[] = [];
  for (let i = 0; i < 200; i++) {
    const phone = `+1313555${String(1000 + i)}`;
    const opened = await c.send('POST', '/api/v2/tracking/generate-guid', json(), JSON.stringify({ ...guidBody(), customer: { phone } }));
    if (opened.status !== 201) throw new Error(`generate-guid ${opened.status}: ${opened.body}`);
    const { guid } = JSON.parse(opened.body) as { guid: string };
    const html = `<html><body><p>Your battery needs attention.</p><a href="https://dealer.example.com/book?i=${i}">Book</a> <a href="https://dealer.example.com/offers">Offers</a> <a href="https://example.com/help">Help</a></body></html>`;
    const prepared = await c.send('POST', '/api/v2/channels/email/prepare', json(), JSON.stringify({ guid, to: `driver${i}@example.com`, html }));
    if (prepared.status !== 200 && prepared.status !== 201) throw new Error(`email prepare ${prepared.status}: ${prepared.body}`);
    const out = (JSON.parse(prepared.body) as { html: string }).html;
    for (const m of out.matchAll(/"(https?:\/\/[^"]+)"/g)) {
      const path = new URL(m[1]!).pathname;
      if (path.startsWith('/pixel/')) pixels.push(path);
      else if (path.startsWith('/r/')) links.push(path);
    }
    const sms = await c.send('POST', '/api/v2/channels/sms/prepare', json(), JSON.stringify({ guid, to: phone, text: `Book your battery check: https://dealer.example.com/book?i=${i}` }));
    if (sms.status !== 200 && sms.status !== 201) throw new Error(`sms prepare ${sms.status}: ${sms.body}`);
    for (const l of (JSON.parse(sms.body) as { links: { code: string }[] }).links) shorts.push(`/s/${l.code}`);
    phones.push(phone);
  }
  log(`${mode}: ${pixels.length} pixels, ${links.length} links, ${shorts.length} SMS short links`);
  // Clicks are made well after the send, as a person would, so that no rule reads them as a scanner's.
  await new Promise((r) => setTimeout(r, 2500));

  const rate = Number(args.rate);
  record(await openLoop({ label: `${mode} GET /pixel/{token}.gif ${rate}/s`, rate, durationMs: durationMs() }, async (i) => {
    const a = await c.send('GET', pixels[i % pixels.length]!, { 'user-agent': BROWSER });
    return a.status === 200 && a.headers['content-type'] === 'image/gif';
  }));
  record(await openLoop({ label: `${mode} GET /r/{token} ${rate}/s`, rate, durationMs: durationMs() }, async (i) => {
    const a = await c.send('GET', links[i % links.length]!, { 'user-agent': BROWSER });
    return a.status === 302 && typeof a.headers.location === 'string';
  }));
  record(await openLoop({ label: `${mode} GET /s/{code} ${rate}/s`, rate, durationMs: durationMs() }, async (i) => {
    const a = await c.send('GET', shorts[i % shorts.length]!, { 'user-agent': BROWSER });
    return a.status === 302 && typeof a.headers.location === 'string';
  }));

  // Inbound: Twilio SMS replies from the journeys' numbers, each its own MessageSid, signed as Twilio signs them.
  const url = `${publicUrl}/webhooks/twilio/sms`;
  let n = 0;
  const form = () => {
    const params: Record<string, string> = { MessageSid: `SM${randomUUID().replace(/-/g, '')}`, AccountSid: 'ACbench', From: phones[n++ % phones.length]!, To: '+13135550100', Body: 'Can I come in Tuesday?', NumMedia: '0' };
    return new URLSearchParams(params).toString();
  };
  record(
    await closedLoop({ label: `${mode} POST /webhooks/twilio/sms, ${args.clients} clients`, concurrency: Number(args.clients), durationMs: durationMs(), maxRequests: 1e7 }, async () => {
      const body = form();
      const params = Object.fromEntries(new URLSearchParams(body));
      const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, url, params);
      const a = await c.send('POST', '/webhooks/twilio/sms', { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body);
      return a.status === 200;
    }),
  );
  c.close();
  await server.stop();
  return form;
};

const main = async () => {
  log(`channels bench: ${args.rate} GETs/s for ${args.duration} s, webhooks from ${args.clients} clients`);
  await floorGets();
  let form: (() => string) | undefined;
  for (const mode of args.mode === 'both' ? (['pglite', 'postgres'] as const) : [args.mode as 'pglite' | 'postgres']) form = await benchMode(mode);
  await floorInserts(form!);
  process.stdout.write(['| run | requests | errors | p50 ms | p99 ms | max ms | per s |', '|---|---|---|---|---|---|---|', ...results].join('\n') + '\n');
};

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
