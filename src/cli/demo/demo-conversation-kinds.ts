// What happened in a demo conversation, read from its events: what the demo's summary counts and its test checks.
import type { DemoConversation } from './demo-conversations.ts';

export const DEMO_KINDS = [
  'bot_resolved',
  'escalated',
  'handed_over',
  'unassigned',
  'expired',
  'expired_waiting',
  'returned_after_expiry',
  'reopened',
  'closed',
  'webview_completed',
  'webview_dropped',
  'webview_escalated',
  'linked_to_outreach',
] as const;
export type DemoKind = (typeof DEMO_KINDS)[number];

const FINAL = new Set(['RESOLVED', 'CLOSED', 'EXPIRED']);

export const kindsOf = (c: DemoConversation): Set<DemoKind> => {
  const kinds = new Set<DemoKind>();
  c.events.forEach((e, i) => {
    const before = i === 0 ? 'INBOUND_QUEUE' : c.states[i - 1];
    const details = e.details;
    if (e.event_type === 'MESSAGE_RECEIVED' && before === 'RESOLVED') kinds.add('reopened');
    if (e.event_type === 'MESSAGE_RECEIVED' && before === 'EXPIRED') kinds.add('returned_after_expiry');
    if (e.event_type === 'CONVERSATION_RESOLVED' && details['resolved_by'] === 'bot') kinds.add('bot_resolved');
    if (e.event_type === 'AGENT_ASSIGNED') kinds.add('escalated');
    if (e.event_type === 'HANDOVER') kinds.add('handed_over');
    if (e.event_type === 'AGENT_UNASSIGNED') kinds.add('unassigned');
    if (e.event_type === 'SESSION_EXPIRED') kinds.add(details['state'] === 'PENDING_AGENT' ? 'expired_waiting' : 'expired');
    if (e.event_type === 'WEBVIEW_COMPLETED') kinds.add('webview_completed');
    if (e.event_type === 'WEBVIEW_EXIT') kinds.add('webview_dropped');
    if (e.event_type === 'ESCALATION_REQUESTED' && details['webview_id']) kinds.add('webview_escalated');
  });
  if (c.state === 'CLOSED') kinds.add('closed');
  if (c.opening.parent_guid) kinds.add('linked_to_outreach');
  return kinds;
};

/** Still open at the demo's end: neither resolved, closed nor expired. */
export const isOpenAtEnd = (c: DemoConversation): boolean => !FINAL.has(c.state);
