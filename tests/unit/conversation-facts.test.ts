// The conversation fold against hand-computed facts: stays, replies and response clocks, first response, cycles and
// reopens, hand-overs and their time lost; and any arrival order of the same events folds to the same facts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldConversation, type ConversationItem, type ConversationOpening } from '../../src/domain/conversations/index.ts';

const SEED = 20261201;
const GUID = 'FORD-2024-12-07-CNV-CHT-DET001-A7B9C2';
const T0 = Date.parse('2024-12-07T10:00:00Z');
const at = (min: number) => T0 + min * 60_000;
const iso = (min: number) => new Date(at(min)).toISOString();
const opening = (more: Partial<ConversationOpening> = {}): ConversationOpening => ({ guid: GUID, startedAt: iso(0), platform: 'whatsapp', parentGuid: null, categories: { department: 'service', query_nature: 'booking' }, ...more });

type Who = 'customer' | 'bot' | { agent: string };
const ev = (id: string, event_type: string, min: number, details: Record<string, unknown> = {}, who: Who = 'customer'): ConversationItem => ({
  kind: 'event',
  event: {
    event_id: id,
    event_type,
    channel: 'CHAT',
    occurred_at: iso(min),
    actor: who === 'customer' ? { type: 'customer' } : who === 'bot' ? { type: 'bot' } : { type: 'human', id: who.agent },
    details,
  },
});
const msgIn = (id: string, min: number) => ev(id, 'MESSAGE_RECEIVED', min, { source: 'whatsapp' });
const reply = (id: string, min: number, agent: string) => ev(id, 'MESSAGE_SENT', min, { source: 'whatsapp', sender: 'agent' }, { agent });

/** Escalated to sales, assigned, replied, handed over to service, resolved, reopened, escalated again, expired. */
const FULL: ConversationItem[] = [
  msgIn('m1', 0),
  ev('b1', 'BOT_SESSION_STARTED', 1, { bot_id: 'faq' }, 'bot'),
  ev('b2', 'MESSAGE_SENT', 2, { source: 'whatsapp', sender: 'bot' }, 'bot'),
  msgIn('m2', 3),
  ev('e1', 'ESCALATION_REQUESTED', 5, { reason: 'customer_request', team: 'sales' }),
  msgIn('m3', 6),
  ev('a1', 'AGENT_ASSIGNED', 9, { agent_id: 'alice', team: 'sales' }, 'bot'),
  reply('r1', 10, 'alice'),
  msgIn('m4', 12),
  msgIn('m5', 13),
  reply('r2', 15, 'alice'),
  msgIn('m6', 16),
  ev('h1', 'HANDOVER', 20, { to_team: 'service', from_agent_id: 'alice' }, { agent: 'alice' }),
  ev('a2', 'AGENT_ASSIGNED', 24, { agent_id: 'bob', team: 'service' }, 'bot'),
  reply('r3', 26, 'bob'),
  ev('c1', 'CATEGORIES_UPDATED', 27, { query_nature: 'warranty' }, { agent: 'bob' }),
  ev('x1', 'CONVERSATION_RESOLVED', 30, { resolved_by: 'agent' }, { agent: 'bob' }),
  msgIn('m7', 60),
  ev('e2', 'ESCALATION_REQUESTED', 61, { reason: 'bot_fallback' }),
  ev('t1', 'SESSION_EXPIRED', 181, { state: 'PENDING_AGENT' }, 'bot'),
];

describe('foldConversation', () => {
  const f = foldConversation(opening(), FULL);

  it('cuts the conversation into stays of one state, team and agent', () => {
    expect(f.stays.map((s) => [s.state, s.team, s.agent, s.enteredAt, s.leftAt, s.next])).toEqual([
      ['INBOUND_QUEUE', null, null, at(0), at(1), 'BOT_SESSION'],
      ['BOT_SESSION', null, null, at(1), at(5), 'PENDING_AGENT'],
      ['PENDING_AGENT', 'sales', null, at(5), at(9), 'HUMAN_ASSISTANCE'],
      ['HUMAN_ASSISTANCE', 'sales', 'alice', at(9), at(20), 'PENDING_AGENT'],
      ['PENDING_AGENT', 'service', null, at(20), at(24), 'HUMAN_ASSISTANCE'],
      ['HUMAN_ASSISTANCE', 'service', 'bob', at(24), at(30), 'RESOLVED'],
      ['RESOLVED', 'service', null, at(30), at(60), 'INBOUND_QUEUE'],
      ['INBOUND_QUEUE', 'service', null, at(60), at(61), 'PENDING_AGENT'],
      ['PENDING_AGENT', 'service', null, at(61), at(181), 'EXPIRED'],
      ['EXPIRED', 'service', null, at(181), null, null],
    ]);
    expect([f.state, f.stateEnteredAt, f.team, f.agent]).toEqual(['EXPIRED', at(181), 'service', null]);
  });

  it('counts only human replies; a response clock runs from the first unanswered message while an agent holds it', () => {
    // r1 answers m3, which came while waiting (that wait is the first response's); r2 answers m4 (m5 joins it);
    // m6's clock stops at the hand-over, and r3 after it answers no running clock.
    expect(f.replies.map((r) => [r.at, r.agent, r.team, r.state, r.responseSince])).toEqual([
      [at(10), 'alice', 'sales', 'HUMAN_ASSISTANCE', null],
      [at(15), 'alice', 'sales', 'HUMAN_ASSISTANCE', at(12)],
      [at(26), 'bob', 'service', 'HUMAN_ASSISTANCE', null],
    ]);
    expect(f.neededHumanAt).toBe(at(5));
    expect(f.firstResponse).toEqual({ seq: 0, at: at(10), agent: 'alice', team: 'sales' });
    expect(f.messagesIn).toEqual([0, 3, 6, 12, 13, 16, 60].map(at));
  });

  it('has a cycle per opening and reopen, resolved by the agent who held it, and its reopen', () => {
    expect(f.cycles).toEqual([
      { seq: 0, openedAt: at(0), humanAt: at(5), endedAt: at(30), outcome: 'resolved', resolvedBy: 'agent', agent: 'bob', team: 'service', reopenedAt: at(60) },
      { seq: 1, openedAt: at(60), humanAt: at(61), endedAt: at(181), outcome: 'expired', resolvedBy: null, agent: null, team: 'service', reopenedAt: null },
    ]);
    expect(f.reopens).toBe(1);
  });

  it('records the hand-over, its wait for an agent and the time lost until the next reply', () => {
    expect(f.handovers).toEqual([{ seq: 0, at: at(20), fromTeam: 'sales', toTeam: 'service', fromAgent: 'alice', assignedAt: at(24), endedAt: at(26), endedBy: 'reply' }]);
    expect(f.teams).toEqual(['sales', 'service']);
  });

  it('keeps the current categories and what agents did when', () => {
    expect(f.categories).toEqual({ department: 'service', query_nature: 'warranty' });
    expect(f.actions.map((a) => [a.at, a.agent, a.action])).toEqual([
      [at(9), 'alice', 'assigned'],
      [at(10), 'alice', 'replied'],
      [at(15), 'alice', 'replied'],
      [at(24), 'bob', 'assigned'],
      [at(26), 'bob', 'replied'],
      [at(30), 'bob', 'resolved'],
    ]);
    expect([f.dealer, f.platform, f.lastEventAt]).toEqual(['DET001', 'whatsapp', at(181)]);
  });

  it('gives a bot-resolved conversation no human clock', () => {
    const b = foldConversation(opening(), [msgIn('m1', 0), ev('b1', 'BOT_SESSION_STARTED', 1, {}, 'bot'), ev('b2', 'MESSAGE_SENT', 2, { source: 'whatsapp', sender: 'bot' }, 'bot'), ev('x', 'CONVERSATION_RESOLVED', 4, { resolved_by: 'bot' }, 'bot')]);
    expect(b.cycles).toEqual([{ seq: 0, openedAt: at(0), humanAt: null, endedAt: at(4), outcome: 'resolved', resolvedBy: 'bot', agent: null, team: null, reopenedAt: null }]);
    expect([b.replies, b.neededHumanAt, b.firstResponse, b.actions]).toEqual([[], null, null, []]);
  });

  it('splits a stay on a reassignment, keeps the response clock running and credits the replying agent', () => {
    const r = foldConversation(opening(), [
      ev('e', 'ESCALATION_REQUESTED', 0, { reason: 'policy', team: 'sales' }),
      ev('a1', 'AGENT_ASSIGNED', 2, { agent_id: 'alice' }),
      msgIn('m', 3),
      ev('a2', 'AGENT_ASSIGNED', 5, { agent_id: 'carol', team: 'vip' }),
      reply('r', 9, 'carol'),
      // A waiting conversation sent to another team is a hand-over too; an agent reply ends its time lost.
      ev('u', 'AGENT_UNASSIGNED', 10, { agent_id: 'carol' }),
      ev('h', 'HANDOVER', 11, { to_team: 'service' }),
      ev('a3', 'AGENT_ASSIGNED', 15, { agent_id: 'bob' }),
      reply('r2', 17, 'bob'),
    ]);
    expect(r.stays.filter((s) => s.state !== 'INBOUND_QUEUE').map((s) => [s.state, s.team, s.agent, s.enteredAt, s.next])).toEqual([
      ['PENDING_AGENT', 'sales', null, at(0), 'HUMAN_ASSISTANCE'],
      ['HUMAN_ASSISTANCE', 'sales', 'alice', at(2), 'HUMAN_ASSISTANCE'],
      ['HUMAN_ASSISTANCE', 'vip', 'carol', at(5), 'PENDING_AGENT'],
      ['PENDING_AGENT', 'vip', null, at(10), 'PENDING_AGENT'],
      ['PENDING_AGENT', 'service', null, at(11), 'HUMAN_ASSISTANCE'],
      ['HUMAN_ASSISTANCE', 'service', 'bob', at(15), null],
    ]);
    expect(r.replies.map((x) => [x.agent, x.team, x.responseSince])).toEqual([['carol', 'vip', at(3)], ['bob', 'service', null]]);
    expect(r.handovers).toEqual([{ seq: 0, at: at(11), fromTeam: 'vip', toTeam: 'service', fromAgent: null, assignedAt: at(15), endedAt: at(17), endedBy: 'reply' }]);
    expect(r.firstResponse).toEqual({ seq: 0, at: at(9), agent: 'carol', team: 'vip' });
  });

  it('takes explicit transitions as lifecycle facts, and ends time lost when the conversation leaves human hands', () => {
    const x = foldConversation(opening(), [
      { kind: 'explicit', move: { to: 'HUMAN_ASSISTANCE', at: iso(3), fact_id: 'req-1' } },
      ev('h', 'HANDOVER', 4, { to_team: 'service', from_team: 'sales' }),
      ev('h2', 'HANDOVER', 6, { to_team: 'parts' }),
      { kind: 'explicit', move: { to: 'CLOSED', at: iso(9), fact_id: 'req-2' } },
    ]);
    expect(x.stays.map((s) => [s.state, s.team, s.enteredAt])).toEqual([
      ['INBOUND_QUEUE', null, at(0)],
      ['HUMAN_ASSISTANCE', null, at(3)],
      ['PENDING_AGENT', 'service', at(4)],
      ['PENDING_AGENT', 'parts', at(6)],
      ['CLOSED', 'parts', at(9)],
    ]);
    expect(x.handovers.map((h) => [h.fromTeam, h.toTeam, h.endedAt, h.endedBy])).toEqual([['sales', 'service', at(6), 'handover'], ['service', 'parts', at(9), 'left']]);
    expect(x.cycles[0]).toMatchObject({ outcome: 'closed', humanAt: at(3), team: 'parts', agent: null });
  });

  it('folds any arrival order of the same events to the same facts (property)', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(FULL, { minLength: FULL.length, maxLength: FULL.length }), (order) => {
        expect(foldConversation(opening(), order)).toEqual(f);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
