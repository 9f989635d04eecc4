// Chatwoot's webhook bodies as Threadline reads them (docs/conversations.md "Chatwoot"): the conversation object
// (Chatwoot's Conversations::EventDataPresenter push data) and the message object (Message#webhook_data), each with
// its `event`. Loose, because Chatwoot adds fields between versions; only what the mapping reads is checked.
import { z } from 'zod';
import { toViolations, type Parsed } from '../shared/violation.ts';

/** Chatwoot's ids are integers in its JSON; kept as decimal strings. */
const cwId = z
  .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,18}$/, 'a decimal id')])
  .transform((v) => String(v));
/** Epoch seconds (an integer; a float for `updated_at`) or a date-time string (a message's `created_at`). */
const cwTime = z.union([z.number().finite().nonnegative(), z.string().min(1).max(64)]);
const text = (max: number) => z.string().max(max);

/** A contact, a user (agent) or an agent bot as Chatwoot serialises them: `type` is contact | user | agent_bot. */
const party = z.looseObject({ id: cwId, type: text(50).nullish() });
const team = z.looseObject({ id: cwId, name: z.string().min(1).max(200) });
const account = z.looseObject({ id: cwId });

export const chatwootConversation = z.looseObject({
  /** The conversation's number in its account (Chatwoot's display_id), as its dashboard shows it. */
  id: cwId,
  account_id: cwId.nullish(),
  inbox_id: cwId.nullish(),
  /** The inbox's channel type, e.g. Channel::WebWidget. */
  channel: text(100).nullish(),
  status: text(20).nullish(),
  created_at: cwTime,
  updated_at: cwTime.nullish(),
  timestamp: cwTime.nullish(),
  priority: text(20).nullish(),
  custom_attributes: z.record(z.string(), z.unknown()).nullish(),
  additional_attributes: z.record(z.string(), z.unknown()).nullish(),
  meta: z.looseObject({ sender: party.nullish(), assignee: party.nullish(), team: team.nullish() }).nullish(),
  messages: z.array(z.unknown()).nullish(),
  account: account.nullish(),
});
export type ChatwootConversation = z.infer<typeof chatwootConversation>;

/** A message: `message_type` is a name in message events, its number (0-3) inside a conversation's `messages`. */
export const chatwootMessage = z.looseObject({
  id: cwId,
  content: z.string().nullish(),
  message_type: z.union([text(30), z.number().int()]),
  private: z.boolean().nullish(),
  created_at: cwTime,
  sender: party.nullish(),
  /** Inside a conversation's `messages` (push data): the sender's class, User | Contact | AgentBot. */
  sender_type: text(50).nullish(),
  account_id: cwId.nullish(),
});
export type ChatwootMessage = z.infer<typeof chatwootMessage>;

/** What changed in the update a conversation event reports: one `{attribute: {previous_value, current_value}}` each. */
const changes = z.array(z.record(z.string(), z.looseObject({ previous_value: z.unknown(), current_value: z.unknown() }))).nullish();

const conversationEvent = chatwootConversation.extend({
  event: z.enum(['conversation_created', 'conversation_status_changed', 'conversation_updated']),
  changed_attributes: changes,
});
const messageEvent = chatwootMessage.extend({ event: z.literal('message_created'), conversation: chatwootConversation, account: account.nullish() });

/** The events the mapping reads; the others (message_updated, contact_*, typing, webwidget_triggered, ...) are ignored. */
export const CHATWOOT_MAPPED_EVENTS = ['conversation_created', 'conversation_status_changed', 'conversation_updated', 'message_created'] as const;

export type ChatwootChange = { previous: unknown; current: unknown };
export type ChatwootEvent =
  | { event: 'conversation_created' | 'conversation_status_changed' | 'conversation_updated'; conversation: ChatwootConversation; changes: ReadonlyMap<string, ChatwootChange> }
  | { event: 'message_created'; conversation: ChatwootConversation; message: ChatwootMessage; accountId: string | null };

/** The event's name, or null when the body names none (read before anything else is judged). */
export const chatwootEventName = (body: unknown): string | null => {
  const name = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)['event'] : undefined;
  return typeof name === 'string' ? name : null;
};

const changesOf = (list: z.infer<typeof changes>): Map<string, ChatwootChange> =>
  new Map((list ?? []).flatMap((entry) => Object.entries(entry).map(([k, v]) => [k, { previous: v.previous_value, current: v.current_value }] as const)));

/** A mapped event's body parsed, or every violation (paths as in Chatwoot's JSON). */
export const parseChatwootEvent = (body: unknown): Parsed<ChatwootEvent> => {
  if (chatwootEventName(body) === 'message_created') {
    const m = messageEvent.safeParse(body);
    if (!m.success) return { ok: false, violations: toViolations(m.error) };
    const { conversation, account: acct, ...message } = m.data;
    return { ok: true, value: { event: 'message_created', conversation, message, accountId: acct?.id ?? null } };
  }
  const c = conversationEvent.safeParse(body);
  if (!c.success) return { ok: false, violations: toViolations(c.error) };
  const { event, changed_attributes, ...conversation } = c.data;
  return { ok: true, value: { event, conversation, changes: changesOf(changed_attributes) } };
};
