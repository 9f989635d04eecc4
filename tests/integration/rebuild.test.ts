// Replay: dropping the read models and replaying the log from position 0 gives the same rows.
import { query } from '../helpers/sql.ts';
import { describe, expect, it } from 'vitest';
import { createDemoConversations, createDemoJourneys } from '../../src/cli/demo-command.ts';
import { rebuild } from '../helpers/rebuild.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { storeTargets, useFreshStore } from '../helpers/test-stores.ts';

const snapshot = async (rt: Runtime) => {
  const q = async (sql: string) => JSON.stringify((await query(rt.store, sql)).rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return {
    events: await q('SELECT * FROM tracking_events ORDER BY guid, event_id'),
    summaries: await q('SELECT * FROM journey_summary ORDER BY guid'),
    transitions: await q('SELECT * FROM journey_transitions ORDER BY guid, seq'),
    paths: await q('SELECT * FROM journey_paths ORDER BY guid'),
    webviewRuns: await q('SELECT * FROM webview_runs ORDER BY guid, webview_id, seq'),
    webviewRunSteps: await q('SELECT * FROM webview_run_steps ORDER BY guid, webview_id, seq, step'),
    webviewFunnelEvents: await q('SELECT * FROM webview_funnel_events ORDER BY guid, event_id'),
    conversationLog: await q('SELECT * FROM conversation_log ORDER BY guid, kind, item_id'),
    conversations: await q('SELECT * FROM conversations ORDER BY guid'),
    conversationFacts: await q(`SELECT 'hold' AS t, to_jsonb(s) AS r FROM conversation_holds s UNION ALL SELECT 'wait', to_jsonb(w) FROM conversation_waits w UNION ALL SELECT 'reply', to_jsonb(r) FROM conversation_replies r
      UNION ALL SELECT 'cycle', to_jsonb(c) FROM conversation_cycles c UNION ALL SELECT 'handover', to_jsonb(h) FROM conversation_handovers h
      UNION ALL SELECT 'demand', to_jsonb(d) FROM conversation_demand d UNION ALL SELECT 'staffing', to_jsonb(f) FROM conversation_staffing f ORDER BY 1, 2`),
  };
};

describe.each(storeTargets())('rebuild on $name', (target) => {
  const rt = useFreshStore(target, (config) => openRuntime(config, 'vitest'));

  it('replays the log into rows equal to the originals', async () => {
    const guids = await createDemoJourneys(rt().store, { journeys: 60, seed: 7, concurrency: 4, prefix: 'FORD', start: new Date('2026-01-01T00:00:00Z') });
    // The live projection (batches of 500: journeys straddle batch boundaries) until it has every journey's last
    // event; on a shared PostgreSQL server another session's open transaction can hold the log's visibility back.
    rt().projections.start();
    // Conversations too (bot-resolved, escalated, handed over, reopened, expired), for the conversation read models.
    const conversations = (await createDemoConversations(rt().store, { conversations: 40, seed: 7, concurrency: 2, prefix: 'FORD', batch: 5 })).guids;
    for (const guid of [...guids, ...conversations]) expect(await rt().projections.waitForStream(`journey-${guid}`, 60_000)).toBe(true);
    await rt().projections.stop();
    const before = await snapshot(rt());
    expect(JSON.parse(before.summaries)).toHaveLength(100);
    expect(JSON.parse(before.paths)).toHaveLength(100);
    expect(JSON.parse(before.conversations)).toHaveLength(40);
    expect(JSON.parse(before.paths).some((p: { converted: boolean; value: string | null }) => p.converted && p.value !== null)).toBe(true);
    expect(JSON.parse(before.events).length).toBeGreaterThan(60 * 4);
    let reported = 0;
    const replayed = await rebuild(rt(), (done) => (reported = done));
    expect(replayed).toBeGreaterThan(0);
    expect(reported).toBe(replayed);
    expect(await snapshot(rt())).toEqual(before);
    // Read and applied a few events at a time instead of 10,000, so that every journey straddles many pages: the same rows.
    await rebuild(rt(), undefined, { pageEvents: 7 });
    expect(await snapshot(rt())).toEqual(before);
    // The demo is realistic: some journeys convert with revenue, some are abandoned.
    const states = JSON.parse(before.summaries).map((s: { current_state: string }) => s.current_state);
    expect(states).toContain('CLOSED');
    expect(states).toContain('ABANDONED');
    expect(guids).toHaveLength(60);
  });
});
