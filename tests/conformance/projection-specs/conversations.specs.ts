// The conversations projection (its own log and the report facts): given journey events, then rows.
import type { ProjectionSpec } from '../read-model-conformance.ts';
import { created, GUID, logged, move, moved, OTHER, T, type GivenEvent } from './given-events.ts';

const conversation = (guid: string, at: string) => created(guid, at, { kind: 'conversation', vin: null, risk_event: null, channel: 'CHAT', platform: 'webchat', categories: { department: 'service', query_nature: 'booking' } });

/** A chat event with its author. */
const chat = (guid: string, id: string, type: string, at: string, details: Record<string, unknown>, actor: Record<string, unknown> | null = null): GivenEvent => {
  const e = logged(guid, id, type, 'CHAT', at, details);
  return { ...e, data: { ...e.data, actor } };
};
const agent = (id: string) => ({ type: 'human', id });

/** Escalated to sales, assigned to alice, answered, handed over to service, taken by bob. */
const story = (guid: string): GivenEvent[] => [
  conversation(guid, T(9, '10:00')),
  chat(guid, 'm1', 'MESSAGE_RECEIVED', T(9, '10:00'), { source: 'webchat' }, { type: 'customer' }),
  chat(guid, 'e1', 'ESCALATION_REQUESTED', T(9, '10:02'), { reason: 'customer_request', team: 'sales' }),
  moved(guid, move('INBOUND_QUEUE', 'PENDING_AGENT', T(9, '10:02'), 'e1')),
  chat(guid, 'a1', 'AGENT_ASSIGNED', T(9, '10:05'), { agent_id: 'alice', team: 'sales' }),
  moved(guid, move('PENDING_AGENT', 'HUMAN_ASSISTANCE', T(9, '10:05'), 'a1')),
  chat(guid, 'm2', 'MESSAGE_RECEIVED', T(9, '10:06'), { source: 'webchat' }, { type: 'customer' }),
  chat(guid, 'r1', 'MESSAGE_SENT', T(9, '10:08'), { source: 'webchat', sender: 'agent' }, agent('alice')),
  chat(guid, 'h1', 'HANDOVER', T(9, '10:10'), { to_team: 'service' }, agent('alice')),
  moved(guid, move('HUMAN_ASSISTANCE', 'PENDING_AGENT', T(9, '10:10'), 'h1')),
  chat(guid, 'a2', 'AGENT_ASSIGNED', T(9, '10:20'), { agent_id: 'bob', team: 'service' }),
  moved(guid, move('PENDING_AGENT', 'HUMAN_ASSISTANCE', T(9, '10:20'), 'a2')),
  chat(guid, 'r2', 'MESSAGE_SENT', T(9, '10:25'), { source: 'webchat', sender: 'agent' }, agent('bob')),
];

const HOLDS = { table: 'conversation_holds', columns: ['guid', 'seq', 'team', 'agent', 'entered_at', 'left_at', 'ms', 'next_state', 'multi'] };
const WAITS = { table: 'conversation_waits', columns: ['guid', 'seq', 'team', 'entered_at', 'left_at', 'ms', 'next_state'] };
/** Milliseconds as the driver reads int8. */
const min = (m: number) => String(m * 60_000);
const storyWaits = (guid: string) => [
  [guid, 1, 'sales', T(9, '10:02'), T(9, '10:05'), min(3), 'HUMAN_ASSISTANCE'],
  [guid, 3, 'service', T(9, '10:10'), T(9, '10:20'), min(10), 'HUMAN_ASSISTANCE'],
];
const aliceHold = (guid: string) => [guid, 2, 'sales', 'alice', T(9, '10:05'), T(9, '10:10'), min(5), 'PENDING_AGENT', true];

export const conversationsSpecs: ProjectionSpec[] = [
  {
    title: 'a conversation escalated, answered and handed over: its holds, waits, replies and hand-over; an outreach journey has no rows',
    given: [...story(GUID), created(OTHER, T(9, '09:00')), logged(OTHER, 'o1', 'EMAIL_SENT', 'EMAIL', T(9, '09:30'))],
    then: [
      {
        table: 'conversations',
        columns: ['guid', 'dealer', 'department', 'platform', 'current_state', 'current_team', 'current_agent', 'needed_human_at', 'first_response_at', 'messages_in', 'replies', 'handovers', 'teams'],
        rows: [[GUID, 'DET001', 'service', 'webchat', 'HUMAN_ASSISTANCE', 'service', 'bob', T(9, '10:02'), T(9, '10:08'), 2, 2, 1, ['sales', 'service']]],
      },
      { ...HOLDS, rows: [aliceHold(GUID), [GUID, 4, 'service', 'bob', T(9, '10:20'), null, null, null, true]] },
      { ...WAITS, rows: storyWaits(GUID) },
      {
        table: 'conversation_replies',
        columns: ['guid', 'seq', 'agent', 'team', 'response_ms', 'first_response_ms'],
        rows: [[GUID, 0, 'alice', 'sales', min(2), min(6)], [GUID, 1, 'bob', 'service', null, null]],
      },
      { table: 'conversation_handovers', columns: ['guid', 'from_team', 'to_team', 'from_agent', 'lost_ms', 'requeue_ms', 'ended_by'], rows: [[GUID, 'sales', 'service', 'alice', min(15), min(10), 'reply']] },
      { table: 'conversation_cycles', columns: ['guid', 'seq', 'outcome', 'human_at'], rows: [[GUID, 0, 'open', T(9, '10:02')]] },
      { table: 'conversation_log', columns: ['guid', 'kind'], rows: [[GUID, 0], ...new Array(8).fill([GUID, 1])] },
      { table: 'conversation_staffing', columns: ['guid', 'bucket', 'agent', 'team'], rows: [[GUID, T(9, '10:00'), 'alice', 'sales'], [GUID, T(9, '10:15'), 'bob', 'service']] },
      { table: 'conversation_demand', columns: ['guid', 'bucket', 'started', 'messages_in'], rows: [[GUID, T(9, '10:00'), 1, 2]] },
    ],
  },
  {
    title: 'events logged in reverse, with an explicit resolution: the same holds and waits as in event order, then resolved and reopened',
    given: [
      conversation(OTHER, T(9, '10:00')),
      ...story(OTHER).slice(1).reverse(),
      moved(OTHER, move('HUMAN_ASSISTANCE', 'RESOLVED', T(9, '10:30'), null, 'done')),
      chat(OTHER, 'c1', 'CATEGORIES_UPDATED', T(9, '10:29'), { query_nature: 'warranty' }),
      chat(OTHER, 'm3', 'MESSAGE_RECEIVED', T(9, '11:00'), { source: 'webchat' }, { type: 'customer' }),
    ],
    then: [
      { ...HOLDS, rows: [aliceHold(OTHER), [OTHER, 4, 'service', 'bob', T(9, '10:20'), T(9, '10:30'), min(10), 'RESOLVED', true]] },
      { ...WAITS, rows: storyWaits(OTHER) },
      {
        table: 'conversation_cycles',
        columns: ['guid', 'seq', 'outcome', 'agent', 'team', 'resolution_ms', 'reopened_at', 'query_nature'],
        rows: [[OTHER, 0, 'resolved', 'bob', 'service', min(28), T(9, '11:00'), 'warranty'], [OTHER, 1, 'open', null, null, null, null, 'warranty']],
      },
      { table: 'conversations', columns: ['guid', 'current_state', 'reopens', 'query_nature', 'messages_in'], rows: [[OTHER, 'INBOUND_QUEUE', 1, 'warranty', 3]] },
    ],
  },
];
