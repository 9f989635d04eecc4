// Chatwoot's webhook events (fixtures shaped like Chatwoot's own webhook data) mapped to conversation events: given
// this body, then these events with these ids, or ignored with this reason, or these violations.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapChatwootEvent, type ChatwootPlan, type ChatwootTrackingEvent } from '../../src/domain/conversations/index.ts';
import { catalogueEntry, logEventBody } from '../../src/domain/journeys/index.ts';

const fixture = (name: string): any => JSON.parse(readFileSync(new URL(`../fixtures/providers/chatwoot/${name}.json`, import.meta.url), 'utf8'));
const OPTIONS = { defaultDealer: 'DET001' };
const map = (body: unknown) => mapChatwootEvent(body, OPTIONS);
const mapped = (body: unknown): Extract<ChatwootPlan, { kind: 'mapped' }> => {
  const plan = map(body);
  if (plan.kind !== 'mapped') throw new Error(`not mapped: ${JSON.stringify(plan)}`);
  return plan;
};
const eventsOf = (body: unknown) => mapped(body).events;
const brief = (events: ChatwootTrackingEvent[]) => events.map((e) => ({ id: e.event_id, type: e.event_type, at: e.occurred_at, actor: e.actor, details: e.details }));

/** Every mapped event is one log-event accepts: its id, and its details by the event catalogue. */
const expectLoggable = (events: ChatwootTrackingEvent[]) => {
  for (const e of events) {
    expect(logEventBody.shape.event_id.safeParse(e.event_id).success, e.event_id).toBe(true);
    const entry = catalogueEntry(e.event_type);
    expect(entry, e.event_type).toBeDefined();
    const parsed = entry!.details.safeParse(e.details);
    expect(parsed.success, `${e.event_type} ${JSON.stringify(e.details)}`).toBe(true);
  }
};

describe('Chatwoot conversation events', () => {
  it('conversation_created opens the conversation: its reference, categories, the bot session and the first message', () => {
    const plan = mapped(fixture('conversation_created'));
    expect(plan.conversation).toEqual({
      accountId: '3',
      conversationId: '1042',
      key: 'chatwoot:3:1042',
      startedAt: '2026-11-30T09:00:00.000Z',
      platform: 'webchat',
      dealerCode: 'DET001',
      customerId: 'chatwoot:3:contact:5521',
    });
    expect(brief(plan.events)).toEqual([
      { id: 'chatwoot:3:1042:opened:categories', type: 'CATEGORIES_UPDATED', at: '2026-11-30T09:00:00.000Z', actor: { type: 'system', id: 'chatwoot' }, details: { department: 'service', query_nature: 'recall_question' } },
      { id: 'chatwoot:3:1042:opened:bot', type: 'BOT_SESSION_STARTED', at: '2026-11-30T09:00:00.000Z', actor: { type: 'bot' }, details: {} },
      // Inside the conversation object the message type is Chatwoot's number (0: incoming) and the time epoch seconds.
      { id: 'chatwoot:3:1042:message:88001', type: 'MESSAGE_RECEIVED', at: '2026-11-30T09:00:00.000Z', actor: { type: 'customer', id: 'chatwoot:3:contact:5521' }, details: { source: 'webchat', message_id: '88001', length: 60 } },
    ]);
    expectLoggable(plan.events);
  });

  it('pending to open is the bot handing off; pending is a bot session; resolved is by the assigned agent, else the bot', () => {
    const escalated = eventsOf(fixture('conversation_status_changed'));
    expect(brief(escalated)).toEqual([
      { id: 'chatwoot:3:1042:status:pending-open:1796029270512', type: 'ESCALATION_REQUESTED', at: '2026-11-30T09:01:10.512Z', actor: { type: 'bot' }, details: { reason: 'bot_fallback' } },
    ]);
    const resolved = eventsOf(fixture('conversation_status_changed-resolved'));
    expect(brief(resolved)).toEqual([
      { id: 'chatwoot:3:1042:status:open-resolved:1796029681200', type: 'CONVERSATION_RESOLVED', at: '2026-11-30T09:08:01.200Z', actor: { type: 'human', id: 'chatwoot:23' }, details: { resolved_by: 'agent', agent_id: 'chatwoot:23' } },
    ]);
    const byBot = fixture('conversation_status_changed');
    byBot.changed_attributes = [{ status: { previous_value: 'pending', current_value: 'resolved' } }];
    byBot.status = 'resolved';
    expect(eventsOf(byBot).map((e) => [e.event_type, e.details])).toEqual([['CONVERSATION_RESOLVED', { resolved_by: 'bot' }]]);
    const backToBot = fixture('conversation_status_changed');
    backToBot.changed_attributes = [{ status: { previous_value: 'open', current_value: 'pending' } }];
    expect(eventsOf(backToBot).map((e) => e.event_type)).toEqual(['BOT_SESSION_STARTED']);
    expectLoggable([...escalated, ...resolved]);
  });

  it('a reopen and a snooze are no events of their own (the customer message reopens), but still name the conversation', () => {
    for (const [from, to] of [['resolved', 'open'], ['open', 'snoozed'], ['snoozed', 'open']]) {
      const body = fixture('conversation_status_changed');
      body.changed_attributes = [{ status: { previous_value: from, current_value: to } }];
      const plan = mapped(body);
      expect(plan.events).toEqual([]);
      expect(plan.conversation.key).toBe('chatwoot:3:1042');
    }
  });

  it('an assignee set is AGENT_ASSIGNED with the team, at the time of the update itself; removed is AGENT_UNASSIGNED', () => {
    const assigned = eventsOf(fixture('conversation_updated'));
    expect(brief(assigned)).toEqual([
      { id: 'chatwoot:3:1042:assignee:none-17:1796029320104', type: 'AGENT_ASSIGNED', at: '2026-11-30T09:02:00.104Z', actor: { type: 'system', id: 'chatwoot' }, details: { agent_id: 'chatwoot:17', team: 'service' } },
    ]);
    const unassigned = fixture('conversation_updated');
    unassigned.changed_attributes = [{ assignee_id: { previous_value: 17, current_value: null } }, { updated_at: { previous_value: '2026-11-30T09:02:00.104Z', current_value: '2026-11-30T09:03:00.000Z' } }];
    unassigned.meta.assignee = null;
    expect(brief(eventsOf(unassigned))).toEqual([
      { id: 'chatwoot:3:1042:assignee:17-none:1796029380000', type: 'AGENT_UNASSIGNED', at: '2026-11-30T09:03:00.000Z', actor: { type: 'system', id: 'chatwoot' }, details: { agent_id: 'chatwoot:17', team: 'service' } },
    ]);
    expectLoggable(assigned);
  });

  it('a team change of an assigned conversation is a HANDOVER (its previous team named from the journey) and its categories follow', () => {
    const events = eventsOf(fixture('conversation_updated-team-change'));
    expect(brief(events)).toEqual([
      { id: 'chatwoot:3:1042:handover:2-5:1796029500332', type: 'HANDOVER', at: '2026-11-30T09:05:00.332Z', actor: { type: 'system', id: 'chatwoot' }, details: { to_team: 'parts', from_agent_id: 'chatwoot:17' } },
      { id: 'chatwoot:3:1042:categories:1796029500332', type: 'CATEGORIES_UPDATED', at: '2026-11-30T09:05:00.332Z', actor: { type: 'system', id: 'chatwoot' }, details: { department: 'parts', query_nature: 'warranty' } },
    ]);
    expect(events[0]!.fromTeamFromJourney).toBe(true);
    // The agent stays (a member of the new team too): handed over, then assigned again in the new team.
    const kept = fixture('conversation_updated-team-change');
    kept.changed_attributes = kept.changed_attributes.filter((c: object) => !('assignee_id' in c) && !('custom_attributes' in c));
    kept.meta.assignee = { id: 17, name: 'Maria Lopez', type: 'user' };
    expect(eventsOf(kept).map((e) => [e.event_type, e.event_id, e.details])).toEqual([
      ['HANDOVER', 'chatwoot:3:1042:handover:2-5:1796029500332', { to_team: 'parts', from_agent_id: 'chatwoot:17' }],
      ['AGENT_ASSIGNED', 'chatwoot:3:1042:assignee:17-17:1796029500332', { agent_id: 'chatwoot:17', team: 'parts' }],
    ]);
    // A first team for a conversation nobody has is routing, not a hand-over.
    const routed = fixture('conversation_updated-team-change');
    routed.changed_attributes = [{ team_id: { previous_value: null, current_value: 5 } }];
    expect(eventsOf(routed)).toEqual([]);
    expectLoggable(events);
  });

  it('categories: custom attributes first, then Chatwoot priority (medium is normal) and conversation language; bad values left out', () => {
    const body = fixture('conversation_updated');
    body.changed_attributes = [
      { priority: { previous_value: null, current_value: 'medium' } },
      { additional_attributes: { previous_value: {}, current_value: { conversation_language: 'pt-BR' } } },
      { custom_attributes: { previous_value: { department: 'service' }, current_value: { department: 'service', query_nature: 'x'.repeat(101) } } },
      { updated_at: { previous_value: '2026-11-30T09:02:00.104Z', current_value: '2026-11-30T09:04:00.000Z' } },
    ];
    expect(eventsOf(body).map((e) => [e.event_type, e.details])).toEqual([['CATEGORIES_UPDATED', { language: 'pt-BR', priority: 'normal' }]]);
    const custom = fixture('conversation_created');
    custom.priority = 'low';
    custom.custom_attributes = { department: 'sales', priority: 'Urgent', language: 'not a language' };
    expect(eventsOf(custom)[0]).toMatchObject({ event_type: 'CATEGORIES_UPDATED', details: { department: 'sales', priority: 'urgent' } });
  });
});

describe('Chatwoot messages', () => {
  it('incoming is the customer, outgoing by a user an agent (with the team), by an agent bot the bot; no text is kept', () => {
    const length = (name: string) => (fixture(name).content as string).length;
    const all = [
      ...eventsOf(fixture('message_created-incoming')),
      ...eventsOf(fixture('message_created-outgoing-bot')),
      ...eventsOf(fixture('message_created-outgoing-agent')),
      ...eventsOf(fixture('message_created-template')),
    ];
    expect(brief(all)).toEqual([
      { id: 'chatwoot:3:1042:message:88003', type: 'MESSAGE_RECEIVED', at: '2026-11-30T09:00:31.842Z', actor: { type: 'customer', id: 'chatwoot:3:contact:5521' }, details: { source: 'webchat', message_id: '88003', length: length('message_created-incoming') } },
      { id: 'chatwoot:3:1042:message:88002', type: 'MESSAGE_SENT', at: '2026-11-30T09:00:02.260Z', actor: { type: 'bot', id: 'chatwoot:bot:4' }, details: { source: 'webchat', message_id: '88002', length: length('message_created-outgoing-bot'), sender: 'bot' } },
      { id: 'chatwoot:3:1042:message:88007', type: 'MESSAGE_SENT', at: '2026-11-30T09:02:41.077Z', actor: { type: 'human', id: 'chatwoot:17' }, details: { source: 'webchat', message_id: '88007', length: length('message_created-outgoing-agent'), sender: 'agent', agent_id: 'chatwoot:17', team: 'service' } },
      // Chatwoot's own template messages (here its CSAT survey) reach the customer, written by no one: the system.
      { id: 'chatwoot:3:1042:message:88015', type: 'MESSAGE_SENT', at: '2026-11-30T09:08:00.640Z', actor: { type: 'system', id: 'chatwoot' }, details: { source: 'webchat', message_id: '88015', length: 'Please rate the conversation'.length, sender: 'system' } },
    ]);
    expect(JSON.stringify(all)).not.toContain('recall 24V-123');
    expectLoggable(all);
  });

  it('private notes and activity messages are no messages; the conversation is still named', () => {
    for (const name of ['message_created-private-note', 'message_created-activity']) {
      const plan = mapped(fixture(name));
      expect(plan.events).toEqual([]);
      expect(plan.conversation.key).toBe('chatwoot:3:1042');
    }
  });

  it('the platform is the inbox channel type', () => {
    const cases: [string, string][] = [
      ['Channel::Whatsapp', 'whatsapp'],
      ['Channel::TwilioSms', 'sms'],
      ['Channel::Sms', 'sms'],
      ['Channel::FacebookPage', 'messenger'],
      ['Channel::Instagram', 'instagram'],
      ['Channel::Telegram', 'telegram'],
      ['Channel::Line', 'line'],
      ['Channel::Email', 'email'],
      ['Channel::Api', 'api'],
      ['Channel::SomethingNew', 'api'],
    ];
    for (const [channel, platform] of cases) {
      const body = fixture('message_created-incoming');
      body.conversation.channel = channel;
      expect(eventsOf(body)[0]!.details['source'], channel).toBe(platform);
    }
  });
});

describe('Chatwoot events Threadline does not map, dealers, and bodies that are not Chatwoot', () => {
  it('mapping is deterministic: the same delivery twice gives the same events', () => {
    for (const name of ['conversation_created', 'conversation_status_changed', 'conversation_updated-team-change', 'message_created-outgoing-agent']) {
      expect(map(fixture(name))).toEqual(map(fixture(name)));
    }
  });

  it('ignores events it does not map, whatever they hold', () => {
    for (const body of [fixture('message_updated'), fixture('webwidget_triggered'), fixture('conversation_typing_on'), { event: 'contact_created', id: 1 }, { event: 'conversation_recording' }, {}]) {
      expect(map(body)).toMatchObject({ kind: 'ignored', reason: 'unmapped_event' });
    }
  });

  it('takes the dealer from the dealer_code custom attribute, else the default; an attribute that is no dealer code is ignored', () => {
    const other = fixture('conversation_created');
    other.custom_attributes.dealer_code = ' det002 ';
    expect(mapped(other).conversation.dealerCode).toBe('DET002');
    const none = fixture('conversation_created');
    delete none.custom_attributes.dealer_code;
    expect(mapChatwootEvent(none, { defaultDealer: 'CHI009' })).toMatchObject({ kind: 'mapped', conversation: { dealerCode: 'CHI009' } });
    const bad = fixture('message_created-incoming');
    bad.conversation.custom_attributes.dealer_code = 'DET 001';
    expect(map(bad)).toMatchObject({ kind: 'ignored', reason: 'invalid_dealer_code' });
  });

  it('lists the violations of a mapped event that is not shaped like Chatwoot', () => {
    const noConversation = fixture('message_created-incoming');
    delete noConversation.conversation;
    expect(map(noConversation)).toMatchObject({ kind: 'invalid', violations: [{ path: 'conversation' }] });
    const noAccount = fixture('conversation_status_changed');
    delete noAccount.account;
    noAccount.messages = [];
    expect(map(noAccount)).toEqual({ kind: 'invalid', violations: [{ path: 'account.id', message: expect.stringContaining('no account') }] });
    const badTime = fixture('message_created-incoming');
    badTime.created_at = 'yesterday';
    expect(map(badTime)).toEqual({ kind: 'invalid', violations: [{ path: 'created_at', message: expect.any(String) }] });
    const badType = fixture('conversation_updated');
    badType.id = 'forty-two';
    expect(map(badType)).toMatchObject({ kind: 'invalid', violations: [{ path: 'id' }] });
  });
});
