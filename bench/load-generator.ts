// HTTP load generator for the benchmarks: open-loop constant rate (latency from the scheduled send time, so a
// slow server cannot hide its queueing: no coordinated omission) and closed-loop max throughput (C workers).
// Bounded by construction: every run has a request cap and a duration cap, and only loopback is allowed.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface HttpResult {
  status: number;
  body: string;
}

export interface HttpClient {
  request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<HttpResult>;
  close(): void;
}

/** The admin secret every bench server is started with (bench-harness's childEnv), sent by every client by default. */
export const BENCH_ADMIN_SECRET = 'bench-admin-secret-0123456789abcdef01234567';
export const BENCH_AUTH = { authorization: `Bearer ${BENCH_ADMIN_SECRET}` };

/** A keep-alive client for http://127.0.0.1:port only; `headers` go with every request (default: the admin secret). */
export const createClient = (baseUrl: string, maxSockets = 256, headers: Record<string, string> = BENCH_AUTH): HttpClient => {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') throw new Error(`refusing to load anything but http://127.0.0.1 (got ${baseUrl})`);
  const port = Number(url.port);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  return {
    request(method, path, body) {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      return new Promise<HttpResult>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method,
            path,
            agent,
            headers: payload ? { ...headers, 'content-type': 'application/json', 'content-length': payload.length } : headers,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.setTimeout(30_000, () => req.destroy(new Error('request timeout (30 s)')));
        req.on('error', reject);
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
};

/** One request of a run; returns true when the answer is the expected one (an error otherwise). */
export type RequestFn = (i: number) => Promise<boolean>;

export interface RunStats {
  label: string;
  mode: 'open' | 'closed';
  /** Target rate (open loop) or number of workers (closed loop). */
  rate?: number;
  concurrency?: number;
  count: number;
  errors: number;
  /** A few distinct error descriptions (status codes, messages), with counts. */
  errorSamples: Record<string, number>;
  durationS: number;
  throughput: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /**
   * Open loop only: how late the generator issued requests after their scheduled times. It is counted in the
   * latencies, so it bounds how exactly they measure the server.
   */
  sendLag?: { p50: number; p90: number; p99: number; max: number };
}

const percentile = (sorted: Float64Array, p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);

/** Percentiles and maximum of values sorted in place (NaN when there are none). */
const distribution = (sorted: Float64Array) => ({
  p50: percentile(sorted, 50),
  p90: percentile(sorted, 90),
  p99: percentile(sorted, 99),
  max: sorted.length ? sorted[sorted.length - 1]! : NaN,
});

const summarise = (
  label: string,
  mode: 'open' | 'closed',
  latencies: Float64Array,
  n: number,
  errors: number,
  errorSamples: Record<string, number>,
  elapsedMs: number,
  extra: Partial<RunStats>,
): RunStats => {
  const sorted = latencies.slice(0, n).sort();
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    label,
    mode,
    ...extra,
    count: n,
    errors,
    errorSamples,
    durationS: elapsedMs / 1000,
    throughput: n / (elapsedMs / 1000),
    ...distribution(sorted),
    mean: n ? sum / n : NaN,
  };
};

const recordError = (samples: Record<string, number>, key: string) => {
  if (Object.keys(samples).length < 20 || key in samples) samples[key] = (samples[key] ?? 0) + 1;
};

const run = async (fn: RequestFn, i: number, samples: Record<string, number>): Promise<boolean> => {
  try {
    const ok = await fn(i);
    if (!ok) recordError(samples, 'unexpected response');
    return ok;
  } catch (error) {
    recordError(samples, (error as Error).message.slice(0, 200));
    return false;
  }
};

export interface OpenLoopOptions {
  label: string;
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Hard cap on requests (defaults to rate × duration). */
  maxRequests?: number;
  /**
   * How long before each send time the generator stops sleeping and keeps the event loop turning (0: timers
   * only). By default 2 ms, but never more than a tenth of the interval: at 200/s a 2 ms spin took 40 % of a core
   * from the server on a 2-core machine, and the generator itself then sent late (p99 6.5 ms).
   */
  spinMs?: number;
}

const MAX_SPIN_MS = 2;
const MAX_SPIN_SHARE = 0.1;

/**
 * Sends request i at start + i/rate regardless of how many are still outstanding (open loop); a request's
 * latency runs from its scheduled time to the end of its response.
 */
export const openLoop = async (o: OpenLoopOptions, fn: RequestFn): Promise<RunStats> => {
  const total = Math.min(o.maxRequests ?? Infinity, Math.floor((o.rate * o.durationMs) / 1000));
  if (!Number.isFinite(total) || total < 1) throw new Error('open loop needs a positive, finite request count');
  const interval = 1000 / o.rate;
  const latencies = new Float64Array(total);
  const samples: Record<string, number> = {};
  let completed = 0;
  let errors = 0;
  let issued = 0;
  const sendLags = new Float64Array(total);
  const spinMs = o.spinMs ?? Math.min(MAX_SPIN_MS, interval * MAX_SPIN_SHARE);
  const inflight = new Set<Promise<void>>();
  const start = performance.now();
  // Waiting for stragglers is bounded too: the run ends at most 30 s after the last scheduled send.
  const hardDeadline = start + o.durationMs + 30_000;
  await new Promise<void>((resolveAll) => {
    const tick = () => {
      const now = performance.now();
      while (issued < total && start + issued * interval <= now) {
        const i = issued++;
        const scheduled = start + i * interval;
        sendLags[i] = now - scheduled;
        const p = run(fn, i, samples).then((ok) => {
          latencies[completed++] = performance.now() - scheduled;
          if (!ok) errors++;
        });
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
      if (issued < total && now < hardDeadline) {
        // Node's timers fire on whole milliseconds and often a millisecond late, and that lateness would count as
        // the server's latency: sleep until shortly before the send time, then turn the event loop over (it still
        // polls for responses) until it comes.
        const wait = start + issued * interval - performance.now();
        if (spinMs === 0 || wait > spinMs) setTimeout(tick, Math.max(0, wait - spinMs));
        else setImmediate(tick);
      } else resolveAll();
    };
    tick();
  });
  const wait = Math.max(0, hardDeadline - performance.now());
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(inflight), new Promise((r) => (timer = setTimeout(r, wait)))]);
  clearTimeout(timer);
  const elapsed = performance.now() - start;
  // Requests still outstanding at the hard deadline count as errors with the time waited so far.
  const unfinished = issued - completed;
  if (unfinished > 0) recordError(samples, `${unfinished} request(s) unanswered at the deadline`);
  const n = completed;
  return summarise(o.label, 'open', latencies, n, errors + unfinished, samples, elapsed, { rate: o.rate, sendLag: distribution(sendLags.slice(0, issued).sort()) });
};

export interface ClosedLoopOptions {
  label: string;
  concurrency: number;
  durationMs: number;
  maxRequests: number;
}

/** C workers, each sending its next request as soon as the previous one is answered, until time or count runs out. */
export const closedLoop = async (o: ClosedLoopOptions, fn: RequestFn): Promise<RunStats> => {
  const latencies = new Float64Array(o.maxRequests);
  const samples: Record<string, number> = {};
  let next = 0;
  let completed = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + o.durationMs;
  const worker = async () => {
    while (next < o.maxRequests && performance.now() < end) {
      const i = next++;
      const t0 = performance.now();
      const ok = await run(fn, i, samples);
      latencies[completed++] = performance.now() - t0;
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const elapsed = performance.now() - start;
  return summarise(o.label, 'closed', latencies, completed, errors, samples, elapsed, { concurrency: o.concurrency });
};

export const fmtMs = (x: number) => (Number.isNaN(x) ? '—' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

export const formatStats = (s: RunStats): string =>
  `${s.label}: ${s.mode === 'open' ? `${s.rate}/s open loop` : `${s.concurrency} workers closed loop`}, ` +
  `n=${s.count} errors=${s.errors} p50=${fmtMs(s.p50)}ms p90=${fmtMs(s.p90)}ms p99=${fmtMs(s.p99)}ms max=${fmtMs(s.max)}ms ` +
  `throughput=${s.throughput.toFixed(1)}/s over ${s.durationS.toFixed(1)}s` +
  (s.sendLag ? ` (send lag p50 ${fmtMs(s.sendLag.p50)} / p99 ${fmtMs(s.sendLag.p99)} / max ${fmtMs(s.sendLag.max)}ms)` : '') +
  (s.errors ? ` errors: ${JSON.stringify(s.errorSamples)}` : '');
