// A bot platform sending many conversations' messages at once through POST /api/v2/tracking/events, over real HTTP
// on both stores: bot and customer messages, bot sessions, escalations, assignments and a bot resolution of several
// conversations in one batch, out of order; one result per event; the same batch again answers duplicates and stores
// nothing; the same events split into other batches in another order give the same states.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const START = Date.parse('2026-11-30T14:00:00Z');
const at = (seconds: number) => new Date(START + seconds * 1000).toISOString();

type Script = { id: string; type: string; t: number; actor: { type: string; id?: string }; details: Record<string, unknown> }[];

/** What the bot platform saw of three conversations: one the bot resolves, one it hands to an agent, one waiting for one. */
const SCRIPTS: Record<'resolved' | 'assigned' | 'waiting', Script> = {
  resolved: [
    { id: 'm1', type: 'MESSAGE_RECEIVED', t: 1, actor: { type: 'customer' }, details: { source: 'whatsapp', message_id: 'wa-1', length: 32 } },
    { id: 'b1', type: 'BOT_SESSION_STARTED', t: 2, actor: { type: 'bot', id: 'faq-bot' }, details: { bot_id: 'faq-bot', intent: 'opening_hours' } },
    { id: 'm2', type: 'MESSAGE_SENT', t: 3, actor: { type: 'bot', id: 'faq-bot' }, details: { source: 'whatsapp', sender: 'bot', message_id: 'wa-2', length: 80 } },
    { id: 'm3', type: 'MESSAGE_RECEIVED', t: 40, actor: { type: 'customer' }, details: { source: 'whatsapp', message_id: 'wa-3', length: 9 } },
    { id: 'r1', type: 'CONVERSATION_RESOLVED', t: 45, actor: { type: 'bot', id: 'faq-bot' }, details: { resolved_by: 'bot' } },
  ],
  assigned: [
    { id: 'm1', type: 'MESSAGE_RECEIVED', t: 5, actor: { type: 'customer' }, details: { source: 'whatsapp', message_id: 'wa-10', length: 51 } },
    { id: 'b1', type: 'BOT_SESSION_STARTED', t: 6, actor: { type: 'bot', id: 'faq-bot' }, details: { bot_id: 'faq-bot', intent: 'warranty' } },
    { id: 'm2', type: 'MESSAGE_SENT', t: 7, actor: { type: 'bot', id: 'faq-bot' }, details: { source: 'whatsapp', sender: 'bot', message_id: 'wa-11', length: 64 } },
    { id: 'e1', type: 'ESCALATION_REQUESTED', t: 30, actor: { type: 'customer' }, details: { reason: 'customer_request', team: 'warranty' } },
    { id: 'a1', type: 'AGENT_ASSIGNED', t: 95, actor: { type: 'system' }, details: { agent_id: 'agent-7', team: 'warranty' } },
    { id: 'm3', type: 'MESSAGE_SENT', t: 120, actor: { type: 'human', id: 'agent-7' }, details: { source: 'whatsapp', sender: 'agent', agent_id: 'agent-7', team: 'warranty', message_id: 'wa-12', length: 140 } },
  ],
  waiting: [
    { id: 'm1', type: 'MESSAGE_RECEIVED', t: 10, actor: { type: 'customer' }, details: { source: 'webchat', message_id: 'wc-1', length: 20 } },
    { id: 'b1', type: 'BOT_SESSION_STARTED', t: 11, actor: { type: 'bot', id: 'faq-bot' }, details: { bot_id: 'faq-bot' } },
    { id: 'm2', type: 'MESSAGE_SENT', t: 12, actor: { type: 'bot', id: 'faq-bot' }, details: { source: 'webchat', sender: 'bot', message_id: 'wc-2', length: 47 } },
    { id: 'e1', type: 'ESCALATION_REQUESTED', t: 60, actor: { type: 'bot', id: 'faq-bot' }, details: { reason: 'bot_fallback', team: 'sales' } },
  ],
};

const EXPECTED_STATES = { resolved: 'RESOLVED', assigned: 'HUMAN_ASSISTANCE', waiting: 'PENDING_AGENT' } as const;

describe.each(storeTargets())('bot platform batch ingestion on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target);
  });
  afterAll(async () => {
    await app?.close();
  });

  /** Opens the three conversations the way a bot platform would (an Idempotency-Key per conversation). */
  const openAll = async (run: string) => {
    const guids: Record<string, string> = {};
    for (const name of Object.keys(SCRIPTS)) {
      const platform = SCRIPTS[name as keyof typeof SCRIPTS][0]!.details['source'];
      const res = await app.post(`${T}/conversations`, { channel: 'CHAT', dealer_code: 'DET001', platform, started_at: at(0), categories: { department: 'service' } }, { 'Idempotency-Key': `botplatform:${run}:${name}` });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      guids[name] = res.body.guid;
    }
    return guids;
  };

  const eventsOf = (run: string, guids: Record<string, string>) =>
    Object.entries(SCRIPTS).flatMap(([name, script]) =>
      script.map((s) => ({ event_id: `botplatform:${run}:${name}:${s.id}`, guid: guids[name], event_type: s.type, channel: 'CHAT', occurred_at: at(s.t), actor: s.actor, details: s.details })),
    );

  const stateOf = async (guid: string) => (await app.get(`${T}/journey/${guid}`)).body.summary.current_state as string;

  it('logs many conversations at once, out of order, with one result per event, and a resend answers duplicates', async () => {
    const guids = await openAll('one');
    // Newest first and conversations interleaved: the platform's buffer, not the conversations' order.
    const events = eventsOf('one', guids).sort((a, b) => b.occurred_at.localeCompare(a.occurred_at));
    const bad = { ...events[0]!, event_id: 'botplatform:one:bad', details: { source: 'whatsapp', sender: 'robot' } };
    const stray = { ...events[1]!, event_id: 'botplatform:one:stray', guid: 'FORD-2026-11-30-CNV-CHT-DET001-000000' };
    const batch = [...events, bad, stray];
    const first = await app.post(`${T}/events`, { events: batch });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.accepted).toBe(events.length);
    expect(first.body.rejected).toBe(2);
    expect(first.body.results.slice(0, events.length)).toEqual(events.map((e, index) => ({ index, success: true, status: 201, event_id: e.event_id })));
    expect(first.body.results[events.length]).toMatchObject({ index: events.length, status: 400, success: false, code: 'validation_failed', violations: [{ path: `events.${events.length}.details.sender` }] });
    expect(first.body.results[events.length + 1]).toMatchObject({ index: events.length + 1, status: 404, success: false, code: 'unknown_guid' });

    for (const [name, state] of Object.entries(EXPECTED_STATES)) expect(await stateOf(guids[name]!), name).toBe(state);
    const assigned = (await app.get(`${T}/journey/${guids['assigned']}`)).body;
    expect(assigned.transitions.map((t: any) => [t.to, t.entered_at])).toEqual([
      ['INBOUND_QUEUE', at(0)],
      ['BOT_SESSION', at(6)],
      ['PENDING_AGENT', at(30)],
      ['HUMAN_ASSISTANCE', at(95)],
    ]);
    expect(assigned.events.filter((e: any) => e.event_type === 'MESSAGE_SENT').map((e: any) => [e.details.sender, e.actor])).toEqual([
      ['bot', { type: 'bot', id: 'faq-bot' }],
      ['agent', { type: 'human', id: 'agent-7' }],
    ]);

    const stored = await app.rt.store.log.count();
    const again = await app.post(`${T}/events`, { events: batch });
    expect(again.body.accepted).toBe(events.length);
    expect(again.body.results.slice(0, events.length)).toEqual(events.map((e, index) => ({ index, success: true, status: 200, event_id: e.event_id, duplicate: true })));
    expect(again.body.results.slice(events.length).map((r: any) => r.status)).toEqual([400, 404]);
    expect(await app.rt.store.log.count()).toBe(stored);
  });

  it('the same events split into other batches, sent in another order, give the same states and moves', async () => {
    const one = await openAll('split-a');
    const two = await openAll('split-b');
    const whole = await app.post(`${T}/events`, { events: eventsOf('split-a', one) });
    expect(whole.body.rejected).toBe(0);
    const events = eventsOf('split-b', two).reverse();
    for (let i = 0; i < events.length; i += 4) {
      const part = await app.post(`${T}/events`, { events: events.slice(i, i + 4) });
      expect(part.body.rejected, JSON.stringify(part.body)).toBe(0);
    }
    for (const name of Object.keys(SCRIPTS)) {
      const [a, b] = [(await app.get(`${T}/journey/${one[name]}`)).body, (await app.get(`${T}/journey/${two[name]}`)).body];
      const moves = (j: any) => j.transitions.map((t: any) => [t.from, t.to, t.entered_at]);
      expect(moves(b), name).toEqual(moves(a));
      expect(b.summary.current_state).toBe(EXPECTED_STATES[name as keyof typeof EXPECTED_STATES]);
    }
  });
});
