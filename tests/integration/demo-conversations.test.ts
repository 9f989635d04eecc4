// `threadline demo --conversations N`: seeded, realistic conversations through the command side. The same seed gives
// the same conversations; every kind the reports need appears; every event passes the API's own validation; and
// what the store and the read models conclude from the events is the state the generator meant.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createDemoConversations, createDemoJourneys } from '../../src/cli/demo-command.ts';
import { DEMO_KINDS, kindsOf } from '../../src/cli/demo/demo-conversation-kinds.ts';
import { demoContext } from '../../src/cli/demo/demo-context.ts';
import { demoConversation } from '../../src/cli/demo/demo-conversations.ts';
import { DEFAULT_CONVERSATION_TTL_MS, TTL_ACTOR } from '../../src/domain/conversations/index.ts';
import { decodeJourneyEvent, journeyDecider, journeyStreamName, parseConversation, parseLogEvent, type JourneyCreatedData } from '../../src/domain/journeys/index.ts';
import { openRuntime } from '../../src/runtime.ts';
import { query } from '../helpers/sql.ts';
import { storeTargets, useFreshStore } from '../helpers/test-stores.ts';

const END = new Date('2026-03-02T12:00:00Z');
const PARENTS = ['FORD-2026-01-20-BAT-CRT-DET001-0A1B2C', 'FORD-2026-01-25-BRK-HIG-NYC007-3D4E5F'];
const ctx = demoContext({ end: END, days: 28, parents: PARENTS });
const generate = (seed: number, n: number, c = ctx) => Array.from({ length: n }, (_, i) => demoConversation(seed, i, c));
const NOW = { now: new Date(), maxFutureSkewMs: 0 };
const GUID = 'FORD-2026-02-10-CNV-CHT-DET001-ABCDEF';

describe('demo conversations', () => {
  it('are the same for the same seed, whatever else is generated, and differ for another seed', () => {
    const a = generate(11, 60);
    expect(generate(11, 60)).toEqual(a);
    expect(demoConversation(11, 42, ctx)).toEqual(a[42]);
    const b = generate(12, 60);
    expect(b.map((c) => c.opening.started_at)).not.toEqual(a.map((c) => c.opening.started_at));
  });

  it('show every kind, pass the API validation, and follow demand by local day and hour', () => {
    const all = generate(11, 400);
    const seen = new Set(all.flatMap((c) => [...kindsOf(c)]));
    expect(DEMO_KINDS.filter((k) => !seen.has(k))).toEqual([]);
    for (const c of all) {
      expect(parseConversation(c.opening, NOW)).toMatchObject({ ok: true });
      for (const [k, e] of c.events.entries()) {
        const parsed = parseLogEvent({ ...e, guid: GUID, event_id: `e-${k}` }, NOW);
        expect(parsed.ok ? [] : parsed.violations).toEqual([]);
      }
      const times = c.events.map((e) => Date.parse(e.occurred_at));
      expect(times).toEqual([...times].sort((x, y) => x - y));
      expect(times[0]).toBe(Date.parse(c.opening.started_at));
      expect(times.at(-1)!).toBeLessThan(END.getTime());
    }
    // An expiry is what the TTL worker writes: its limit after the last event, in the state it left.
    for (const c of all) {
      for (const [k, e] of c.events.entries()) {
        if (e.event_type !== 'SESSION_EXPIRED') continue;
        const limit = DEFAULT_CONVERSATION_TTL_MS[c.states[k - 1]!]!;
        expect(e.details).toEqual({ idle_seconds: limit / 1000, state: c.states[k - 1], ttl_seconds: limit / 1000 });
        expect(Date.parse(e.occurred_at) - Date.parse(c.events[k - 1]!.occurred_at)).toBe(limit);
        expect(e.actor).toEqual(TTL_ACTOR);
      }
    }
    // Human replies only from agents, named on the event and as its actor.
    const replies = all.flatMap((c) => c.events).filter((e) => e.event_type === 'MESSAGE_SENT' && e.details['sender'] === 'agent');
    expect(replies.length).toBeGreaterThan(100);
    expect(replies.every((e) => e.actor.type === 'human' && e.actor.id === e.details['agent_id'] && typeof e.details['team'] === 'string')).toBe(true);
    // Busy weekday mornings, quiet nights, in the dealers' zone.
    const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
    const slots = all.map((c) => local.formatToParts(new Date(c.opening.started_at))).map((p) => ({ day: p.find((x) => x.type === 'weekday')!.value, hour: Number(p.find((x) => x.type === 'hour')!.value) }));
    const mornings = slots.filter((s) => !['Sat', 'Sun'].includes(s.day) && s.hour >= 9 && s.hour < 12).length;
    const nights = slots.filter((s) => s.hour < 6).length;
    expect(mornings).toBeGreaterThan(8 * nights);
  });
});

describe.each(storeTargets())('threadline demo --conversations on $name', (target) => {
  const rt = useFreshStore(target, (config) => openRuntime(config, 'vitest'));
  const N = 240;

  it('stores every event and ends each conversation in the state its events mean', { timeout: 240_000 }, async () => {
    const parents = await createDemoJourneys(rt().store, { journeys: 8, seed: 5, concurrency: 4, prefix: 'FORD', start: new Date('2026-01-01T00:00:00Z') });
    const result = await createDemoConversations(rt().store, { conversations: N, seed: 11, concurrency: 3, batch: 7, prefix: 'FORD', end: END, parents });
    const expected = generate(11, N, demoContext({ end: END, days: 28, parents }));
    expect(result.guids).toHaveLength(N);
    expect(result.events).toBe(expected.reduce((s, c) => s + c.events.length, 0));
    for (const k of DEMO_KINDS) expect(result.kinds[k], k).toBeGreaterThan(0);

    // The command side: each stream folds to the generator's state, and opens with its platform, categories and parent.
    for (const [i, guid] of result.guids.entries()) {
      const { events } = await rt().store.eventStore.readStream(journeyStreamName(guid));
      const decoded = events.map((e) => {
        const d = decodeJourneyEvent(e.type, e.data);
        if (!d.ok) throw new Error(d.error);
        return d.event;
      });
      const state = decoded.reduce(journeyDecider.evolve, journeyDecider.initialState());
      expect(state.state, `conversation ${i}`).toBe(expected[i]!.state);
      const created = decoded[0]!.data as JourneyCreatedData;
      expect({ kind: created.kind, platform: created.platform, parent_guid: created.parent_guid, categories: created.categories }).toEqual({
        kind: 'conversation',
        platform: expected[i]!.opening.platform,
        parent_guid: expected[i]!.opening.parent_guid,
        categories: expected[i]!.opening.categories,
      });
      if (created.parent_guid) expect(parents).toContain(created.parent_guid);
    }

    // The read models say the same.
    await rt().projections.catchUp();
    const summaries = new Map((await query(rt().store, "SELECT guid, current_state FROM journey_summary WHERE kind = 'conversation'")).rows.map((r) => [r.guid, r.current_state]));
    expect(summaries.size).toBe(N);
    const stored = (await query(rt().store, "SELECT guid, event_type, channel, occurred_at FROM tracking_events WHERE guid LIKE 'FORD-%-CNV-%' ORDER BY guid, occurred_at")).rows;
    const byGuid = new Map<string, typeof stored>();
    for (const r of stored) byGuid.set(r.guid, [...(byGuid.get(r.guid) ?? []), r]);
    for (const [i, guid] of result.guids.entries()) {
      expect(summaries.get(guid)).toBe(expected[i]!.state);
      expect(byGuid.get(guid)!.map((r) => `${r.event_type}/${r.channel}`)).toEqual(expected[i]!.events.map((e) => `${e.event_type}/${e.channel}`));
    }
  });
});

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string>) =>
  run('node', ['bin/threadline.js', ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, timeout: 120_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('the demo command line', () => {
  const target = storeTargets().find((t) => t.name === 'pglite')!;

  it('makes conversations with the outreach journeys some continue, and refuses a bad count', { timeout: 180_000 }, async () => {
    const { config, cleanup } = await target.create();
    try {
      const env = { THREADLINE_DATA_DIR: (config as { dataDir: string }).dataDir };
      const demo = await cli(['demo', '--conversations', '40', '--seed', '4'], env);
      expect(demo.stderr).toContain('created 2 demo journeys');
      expect(demo.stderr).toMatch(/created 40 demo conversations \(\d+ events; bot resolved \d+, escalated \d+/);
      expect(demo.code).toBe(0);
      const lines = (await cli(['export'], env)).stdout.trim().split('\n').map((l) => JSON.parse(l));
      const kinds = lines.filter((l) => l.type === 'JourneyCreated').map((l) => l.data.kind);
      expect(kinds.filter((k) => k === 'conversation')).toHaveLength(40);
      expect(kinds.filter((k) => k === 'outreach')).toHaveLength(2);
      const bad = await cli(['demo', '--conversations', '0'], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--conversations: a positive integer');
    } finally {
      await cleanup();
    }
  });
});
