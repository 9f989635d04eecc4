// What several benches do to a running server before they measure: journeys, a log of events over them, and
// waiting until every projection has applied it.
import { performance } from 'node:perf_hooks';
import type { HttpClient } from './load-generator.ts';
import { guidBody } from './request-bodies.ts';

/** `n` new journeys, one generate-guid each. */
export const createGuids = async (client: HttpClient, n: number): Promise<string[]> => {
  const guids: string[] = [];
  for (let i = 0; i < n; i++) guids.push((JSON.parse((await client.request('POST', '/api/v2/tracking/generate-guid', guidBody())).body) as { guid: string }).guid);
  return guids;
};

/** `total` EMAIL_OPENED events spread over the journeys, in batches of 1,000 from 4 clients (the ingest bench's load). */
export const seedOpenedEmails = async (client: HttpClient, guids: readonly string[], total: number): Promise<void> => {
  let seq = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (seq < total) {
        const events = Array.from({ length: Math.min(1000, total - seq) }, () => ({ guid: guids[(seq * 7919) % guids.length]!, event_type: 'EMAIL_OPENED', channel: 'EMAIL', event_id: `seed-${seq++}`, details: { template_id: 'risk-alert', campaign: 'winter-2024' } }));
        const r = await client.request('POST', '/api/v2/tracking/events', { events });
        if (r.status !== 200) throw new Error(`seeding: ${r.status} ${r.body.slice(0, 200)}`);
      }
    }),
  );
};

/** The largest projection lag in /healthz, NaN while any cannot be read (not caught up either). */
export const projectionLag = async (client: HttpClient): Promise<number> => {
  const h = JSON.parse((await client.request('GET', '/healthz')).body) as { projections: Record<string, { lag_seconds: number | null }> };
  return Math.max(...Object.values(h.projections).map((p) => p.lag_seconds ?? Number.NaN));
};

/** Until every projection has caught up; throws past the timeout. */
export const waitCaughtUp = async (client: HttpClient, timeoutMs = 600_000): Promise<void> => {
  for (const deadline = performance.now() + timeoutMs; performance.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    if ((await projectionLag(client)) === 0) return;
  }
  throw new Error(`the projections did not catch up within ${timeoutMs / 1000} s`);
};
