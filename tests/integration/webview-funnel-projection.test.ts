// The web-view funnels projection applied set-wise: however the log is cut into batches (a run's open, steps and
// exit in different batches, each batch folding its conversations again from the compact copy), and applied twice,
// the rows are those of one batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/eventstore/index.ts';
import { webviewFunnelsProjection } from '../../src/projections/conversations/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { webviewFunnelsSpecs } from '../conformance/projection-specs/webview-funnels.specs.ts';
import { asLogged } from '../conformance/projection-specs/given-events.ts';
import { query } from '../helpers/sql.ts';
import { storeTargets, type StoreTarget } from '../helpers/test-stores.ts';

const given = webviewFunnelsSpecs.flatMap((s) => s.given);
const logged = asLogged(given);

describe.each(storeTargets())('web-view funnels projection batches on $name', (target: StoreTarget) => {
  let rt: Runtime;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const created = await target.create();
    cleanup = created.cleanup;
    rt = await openRuntime(created.config, 'vitest', { registry: [webviewFunnelsProjection] });
  });
  afterAll(async () => {
    await rt?.close();
    await cleanup?.();
  });

  const apply = (batch: LoggedEvent[]) => rt.store.readModels.transaction().execute((trx) => webviewFunnelsProjection.apply(trx, batch));
  const rowsAfter = async (batches: LoggedEvent[][], again = false) => {
    await query(rt.store, 'TRUNCATE webview_funnel_events, webview_runs, webview_run_steps');
    for (const batch of batches) await apply(batch);
    if (again) for (const batch of batches) await apply(batch);
    const out = [];
    for (const t of ['webview_funnel_events ORDER BY guid, event_id', 'webview_runs ORDER BY guid, webview_id, seq', 'webview_run_steps ORDER BY guid, webview_id, seq, step']) out.push((await query(rt.store, `SELECT * FROM ${t}`)).rows);
    return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  };

  it('gives the rows of one batch for every cut into two batches, for one event per batch, and when a batch comes again', async () => {
    const whole = await rowsAfter([logged]);
    expect(whole).toContain('"outcome":"escalated"');
    expect(whole).toContain('"exit_reason":"price"');
    for (let cut = 1; cut < logged.length; cut++) expect(await rowsAfter([logged.slice(0, cut), logged.slice(cut)]), `cut at ${cut}`).toBe(whole);
    expect(await rowsAfter(logged.map((e) => [e]))).toBe(whole);
    expect(await rowsAfter([logged], true)).toBe(whole);
  });

  it('drops a run the late events fold away (a re-open that turns out to be the same run)', async () => {
    const guid = 'FORD-2024-12-07-BAT-CRT-DET001-0000AA';
    const event = (id: string, type: string, at: string, details: Record<string, unknown>, n: number): LoggedEvent => ({
      position: { token: String(1000 + n), globalPosition: BigInt(1000 + n) },
      streamId: `journey-${guid}`,
      streamPosition: BigInt(n),
      type: 'TrackingEventLogged',
      data: { event_id: id, guid, event_type: type, channel: 'WEBVIEW', occurred_at: at, received_at: at, actor: null, dealer_code: null, session_id: null, user_id: null, details: { webview_id: 'w', ...details } },
      recordedAt: new Date(at),
    });
    await query(rt.store, 'TRUNCATE webview_funnel_events, webview_runs, webview_run_steps');
    // Open, exit, open: two runs; then a step between the exit and the re-open undoes the exit: one run.
    await apply([event('a', 'WEBVIEW_OPENED', '2026-01-01T10:00:00Z', {}, 0), event('b', 'WEBVIEW_EXIT', '2026-01-01T10:01:00Z', {}, 1), event('c', 'WEBVIEW_OPENED', '2026-01-01T10:05:00Z', {}, 2)]);
    expect((await query(rt.store, 'SELECT seq, outcome FROM webview_runs ORDER BY seq')).rows).toEqual([{ seq: 0, outcome: 'exited' }, { seq: 1, outcome: 'abandoned' }]);
    await apply([event('d', 'WEBVIEW_STEP', '2026-01-01T10:02:00Z', { step: 'one' }, 3)]);
    expect((await query(rt.store, 'SELECT seq, outcome, steps_reached FROM webview_runs ORDER BY seq')).rows).toEqual([{ seq: 0, outcome: 'abandoned', steps_reached: 1 }]);
  });
});
