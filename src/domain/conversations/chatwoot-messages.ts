// A Chatwoot message as a conversation event: who wrote it (the customer, an agent, a bot, Chatwoot itself), on which
// platform and when; its text is never kept, only its length. Activity messages and private notes are no messages.
import type { Actor } from '../shared/channels.ts';
import { agentId, botId, chatwootMs, type ChatwootConversationRef } from './chatwoot-conversation.ts';
import type { ChatwootConversation, ChatwootMessage } from './chatwoot-payload.ts';

/** A conversation event as the mapping makes it; the caller adds the GUID, dealer and receipt time. */
export interface ChatwootTrackingEvent {
  event_id: string;
  event_type: string;
  occurred_at: string;
  actor: Actor;
  details: Record<string, unknown>;
  /** A HANDOVER from a team Chatwoot names only by id: `from_team` is to be the team the journey carried last. */
  fromTeamFromJourney?: true;
}

/** Chatwoot's message_type enum: names in message events, these numbers inside a conversation's `messages`. */
const MESSAGE_TYPES = ['incoming', 'outgoing', 'activity', 'template'] as const;
/** The sender's class (push data's `sender_type`) as the `type` its webhook data gives. */
const SENDER_TYPES: Readonly<Record<string, string>> = { User: 'user', Contact: 'contact', AgentBot: 'agent_bot', 'Captain::Assistant': 'captain_assistant' };
const BOT_SENDERS = new Set(['agent_bot', 'captain_assistant']);

export const messageTypeOf = (t: string | number): string | null => (typeof t === 'number' ? (MESSAGE_TYPES[t] ?? null) : t);

const senderTypeOf = (m: ChatwootMessage): string | null => m.sender?.type ?? (m.sender_type ? (SENDER_TYPES[m.sender_type] ?? null) : null);

export type MessageOutcome = { ok: true; events: ChatwootTrackingEvent[] } | { ok: false; path: string; message: string };

/**
 * The event of one message, or none: incoming is MESSAGE_RECEIVED (the customer); outgoing is MESSAGE_SENT by an
 * agent (a Chatwoot user), a bot (an agent bot) or the system (no sender: automation, campaigns); a template message
 * (Chatwoot's greeting, CSAT, email collection) is MESSAGE_SENT by the system; activity messages and private notes
 * are left out. The event id is the message's, so a redelivery (or the same message inside a conversation
 * object) is stored once.
 */
export const messageEvents = (ref: ChatwootConversationRef, c: ChatwootConversation, m: ChatwootMessage): MessageOutcome => {
  const type = messageTypeOf(m.message_type);
  if (m.private === true || (type !== 'incoming' && type !== 'outgoing' && type !== 'template')) return { ok: true, events: [] };
  const at = chatwootMs(m.created_at);
  if (at === null) return { ok: false, path: 'created_at', message: 'not a time (epoch seconds or an ISO 8601 date-time)' };
  const base = { event_id: `${ref.key}:message:${m.id}`, occurred_at: new Date(at).toISOString() };
  const facts = { source: ref.platform, message_id: m.id, length: m.content?.length ?? 0 };
  if (type === 'incoming') {
    return { ok: true, events: [{ ...base, event_type: 'MESSAGE_RECEIVED', actor: { type: 'customer', ...(ref.customerId ? { id: ref.customerId } : {}) }, details: facts }] };
  }
  const sender = type === 'template' ? null : senderTypeOf(m);
  const senderId = m.sender?.id;
  if (sender === 'user' && senderId) {
    const agent = agentId(senderId);
    const team = c.meta?.team?.name;
    return { ok: true, events: [{ ...base, event_type: 'MESSAGE_SENT', actor: { type: 'human', id: agent }, details: { ...facts, sender: 'agent', agent_id: agent, ...(team ? { team } : {}) } }] };
  }
  if (sender && BOT_SENDERS.has(sender)) {
    return { ok: true, events: [{ ...base, event_type: 'MESSAGE_SENT', actor: { type: 'bot', ...(senderId ? { id: botId(senderId) } : {}) }, details: { ...facts, sender: 'bot' } }] };
  }
  return { ok: true, events: [{ ...base, event_type: 'MESSAGE_SENT', actor: { type: 'system', id: 'chatwoot' }, details: { ...facts, sender: 'system' } }] };
};
