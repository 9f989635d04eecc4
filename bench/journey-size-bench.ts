// Journeys of any size: GET journey (a page of events, analytics over all of them) and the audit export, for one
// journey of 1,000 to 60,000 events, in both modes, against `threadline serve` over HTTP.
// Run: node --import tsx bench/journey-size-bench.ts [--mode pglite|postgres|both] [--sizes 1000,10000,30000,60000] [--reads 5]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { cleanupAll, createBenchDataDir, createBenchDatabase, log, startServer } from './bench-harness.ts';
import { BENCH_AUTH } from './load-generator.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    sizes: { type: 'string', default: '1000,10000,30000,60000' },
    reads: { type: 'string', default: '5' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const reads = Number(values.reads);
const modes = values.mode === 'both' ? ['postgres', 'pglite'] : [values.mode];

const post = async (base: string, path: string, body: unknown) => {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...BENCH_AUTH }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ guid: string; accepted: number }>;
};
const timed = async (fn: () => Promise<void>) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** A chatty journey: sends, opens and replies on three channels, one event a minute. */
const fill = async (base: string, guid: string, from: number, to: number) => {
  const start = Date.parse('2024-12-07T10:01:00Z');
  const kinds = [['EMAIL_SENT', 'EMAIL'], ['EMAIL_OPENED', 'EMAIL'], ['SMS_SENT', 'SMS'], ['SMS_RECEIVED', 'SMS'], ['CHAT_NOTE', 'CHAT']] as const;
  for (let i = from; i < to; i += 1000) {
    const events = Array.from({ length: Math.min(1000, to - i) }, (_, k) => {
      const n = i + k;
      const [event_type, channel] = kinds[n % kinds.length]!;
      return { guid, event_type, channel, event_id: `big-${n}`, occurred_at: new Date(start + n * 60_000).toISOString(), details: { n, text: 'a reply of a few words' } };
    });
    const res = await post(base, '/api/v2/tracking/events', { events });
    if (res.accepted !== events.length) throw new Error(`batch accepted ${res.accepted} of ${events.length}`);
  }
};

const rows: string[] = [];
try {
  for (const mode of modes) {
    const storeEnv: Record<string, string> =
      mode === 'postgres' ? { DATABASE_URL: await createBenchDatabase(`threadline_bench_size_${process.pid}`, false) } : { THREADLINE_DATA_DIR: createBenchDataDir() };
    const server = await startServer(storeEnv);
    const base = server.baseUrl;
    const { guid } = await post(base, '/api/v2/tracking/generate-guid', {
      vin: '1FTFW1ET5DFC10312',
      dealer_code: 'DET001',
      risk_event: { component_code: 'BAT', severity: 'CRITICAL', risk_score: 87.5, timestamp: '2024-12-07T10:00:00Z' },
    });
    let have = 0;
    for (const size of sizes) {
      const loadMs = await timed(() => fill(base, guid, have, size));
      have = size;
      // The first read waits for the projection to have every event (read-your-writes); past its 5 s wait it
      // answers 503 with Retry-After, and a client asks again, as this one does.
      let lagging = 0;
      const firstMs = await timed(async () => {
        for (;;) {
          const res = await fetch(`${base}/api/v2/tracking/journey/${guid}`, { headers: BENCH_AUTH });
          await res.arrayBuffer();
          if (res.status === 200) return;
          if (res.status !== 503) throw new Error(`GET journey: ${res.status}`);
          lagging++;
          await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
        }
      });
      const readMs: number[] = [];
      for (let r = 0; r < reads; r++) {
        readMs.push(
          await timed(async () => {
            const res = await fetch(`${base}/api/v2/tracking/journey/${guid}`, { headers: BENCH_AUTH });
            const body = (await res.json()) as { summary: { total_events: number }; events: unknown[] };
            if (body.summary.total_events !== size || body.events.length !== 300) throw new Error(`read ${body.summary.total_events} events, page ${body.events.length}`);
          }),
        );
      }
      let exported = 0;
      const auditMs = await timed(async () => {
        const res = await fetch(`${base}/api/v2/tracking/journey/${guid}/audit`, { headers: BENCH_AUTH });
        exported = (await res.text()).trim().split('\n').length;
      });
      const line = `| ${mode} | ${size.toLocaleString('en')} | ${(loadMs / 1000).toFixed(1)} s | ${(firstMs / 1000).toFixed(1)} s${lagging ? ` (${lagging}× 503)` : ''} | ${median(readMs).toFixed(0)} ms (${Math.max(...readMs).toFixed(0)}) | ${exported.toLocaleString('en')} in ${(auditMs / 1000).toFixed(2)} s (${Math.round(exported / (auditMs / 1000)).toLocaleString('en')}/s) |`;
      log(line);
      rows.push(line);
    }
    await server.stop();
  }
} finally {
  await cleanupAll();
}
process.stdout.write(
  ['| mode | events in the journey | load (batches of 1,000) | projected and first GET | GET journey median (max) | audit export |', '|---|---|---|---|---|---|', ...rows].join('\n') + '\n',
);
