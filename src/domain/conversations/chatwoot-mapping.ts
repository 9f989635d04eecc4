// One Chatwoot webhook event -> what Threadline does with it: which conversation it belongs to (opened if new) and
// which conversation events it logs there, or why it is ignored. The table is in docs/conversations.md "Chatwoot".
import type { Violation } from '../shared/violation.ts';
import { createdEvents, statusEvents, updateEvents, type ChangeOutcome } from './chatwoot-changes.ts';
import { conversationRef, type ChatwootConversationRef } from './chatwoot-conversation.ts';
import { messageEvents, type ChatwootTrackingEvent } from './chatwoot-messages.ts';
import { CHATWOOT_MAPPED_EVENTS, chatwootEventName, parseChatwootEvent } from './chatwoot-payload.ts';

export type ChatwootPlan =
  | { kind: 'invalid'; violations: Violation[] }
  | { kind: 'ignored'; reason: 'unmapped_event' | 'invalid_dealer_code'; detail: string }
  | { kind: 'mapped'; event: string; conversation: ChatwootConversationRef; events: ChatwootTrackingEvent[] };

export interface ChatwootMappingOptions {
  /** The dealer of conversations whose `dealer_code` custom attribute is unset. */
  defaultDealer: string;
}

const isMapped = (name: string | null): boolean => name !== null && (CHATWOOT_MAPPED_EVENTS as readonly string[]).includes(name);

/**
 * Maps a webhook body. Events Threadline does not read (message_updated, contact_*, typing, webwidget_triggered,
 * events of later Chatwoot versions) are ignored whatever they hold; a mapped event's body must be Chatwoot's shape.
 * A mapped event that changes nothing Threadline keeps still names its conversation, which is opened all the same.
 */
export const mapChatwootEvent = (body: unknown, options: ChatwootMappingOptions): ChatwootPlan => {
  const name = chatwootEventName(body);
  if (!isMapped(name)) return { kind: 'ignored', reason: 'unmapped_event', detail: `Chatwoot event ${name ?? '(none)'} is not one Threadline maps` };
  const parsed = parseChatwootEvent(body);
  if (!parsed.ok) return { kind: 'invalid', violations: parsed.violations };
  const e = parsed.value;
  const prefix = e.event === 'message_created' ? 'conversation.' : '';
  const refOutcome = conversationRef(e.conversation, e.event === 'message_created' ? e.accountId : null, options.defaultDealer);
  if (!refOutcome.ok) {
    return refOutcome.kind === 'invalid'
      ? { kind: 'invalid', violations: [{ path: refOutcome.path === 'account.id' ? 'account.id' : `${prefix}${refOutcome.path}`, message: refOutcome.message }] }
      : { kind: 'ignored', reason: refOutcome.reason, detail: refOutcome.detail };
  }
  const ref = refOutcome.ref;
  let outcome: ChangeOutcome;
  switch (e.event) {
    case 'message_created':
      outcome = messageEvents(ref, e.conversation, e.message);
      break;
    case 'conversation_created':
      outcome = { ok: true, events: createdEvents(ref, e.conversation) };
      break;
    case 'conversation_status_changed':
      outcome = statusEvents(ref, e.conversation, e.changes);
      break;
    case 'conversation_updated':
      outcome = updateEvents(ref, e.conversation, e.changes);
      break;
  }
  if (!outcome.ok) return { kind: 'invalid', violations: [{ path: outcome.path, message: outcome.message }] };
  return { kind: 'mapped', event: e.event, conversation: ref, events: outcome.events };
};
