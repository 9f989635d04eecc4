// Known tracking event types: the zod schema of their details and which way they face (for response times).
import { z } from 'zod';

export type Direction = 'outbound' | 'inbound' | 'internal';

const id = z.string().min(1).max(200);
const opt = <T extends z.ZodType>(s: T) => s.optional();
const count = z.number().int().nonnegative();
// What numeric(14, 2) holds: below a trillion, in cents.
const money = z.number().nonnegative().max(999_999_999_999.99, 'at most 999,999,999,999.99');
/** The messaging platform a conversation's message went through (`details.source`). */
export const MESSAGE_PLATFORMS = ['whatsapp', 'sms', 'webchat', 'messenger', 'instagram', 'telegram', 'line', 'email', 'app', 'voice', 'api'] as const;
const source = z.enum(MESSAGE_PLATFORMS);
/** The categories a conversation carries from its origin (docs/conversations.md); each may change later. */
export const categoryFields = {
  department: opt(z.string().min(1).max(100)),
  query_nature: opt(z.string().min(1).max(100)),
  language: opt(z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag, e.g. en or pt-BR')),
  priority: opt(z.enum(['low', 'normal', 'high', 'urgent'])),
};
/** A machine open or click (docs/channels.md): kept, but no touch. `true` is what clients sent before the reason. */
const machine = opt(z.union([z.boolean(), z.looseObject({ flag: z.boolean(), reason: z.string().max(200).nullable() })]));
/** Which integration recorded the event (absent: a channel system called log-event itself). */
const provider = opt(z.enum(['threadline', 'sendgrid', 'mailgun', 'twilio']));
const hash = z.string().regex(/^[0-9a-f]{64}$/, 'a hex HMAC-SHA-256');
const optOutOrigin = z.looseObject({
  kind: z.enum(['keyword', 'link', 'provider', 'api']),
  provider,
  raw_text: opt(z.string().max(200)),
});

// Known fields are typed; extra fields pass through, because providers add fields without notice.
const details = <S extends z.ZodRawShape>(shape: S) => z.looseObject(shape);

interface CatalogueEntry {
  direction: Direction;
  details: z.ZodType<Record<string, unknown>>;
}

const entry = (direction: Direction, shape: z.ZodRawShape = {}): CatalogueEntry => ({ direction, details: details(shape) });

export const EVENT_CATALOGUE: Readonly<Record<string, CatalogueEntry>> = {
  // PRD outreach events
  CALL_INITIATED: entry('outbound', { agent_id: opt(id), call_id: opt(id), provider }),
  CALL_COMPLETED: entry('inbound', {
    outcome: z.enum(['connected', 'voicemail', 'no_answer', 'busy', 'failed', 'appointment_scheduled']),
    duration_seconds: opt(z.number().nonnegative().finite()),
    agent_id: opt(id),
    call_id: opt(id),
    /** Twilio's answering-machine detection (`human`, `machine_start`, `fax`, ...). */
    answered_by: opt(z.string().max(50)),
    /** The PRD's call details, when the phone system sends them. */
    disposition: opt(z.string().max(100)),
    appointment_scheduled: opt(z.boolean()),
    callback_requested: opt(z.boolean()),
    sentiment_score: opt(z.number().min(-1).max(1)),
    provider,
  }),
  EMAIL_SENT: entry('outbound', { message_id: opt(id), template_id: opt(id), campaign_id: opt(id), variant: opt(id), provider }),
  EMAIL_DELIVERED: entry('internal', { message_id: opt(id), provider }),
  EMAIL_OPENED: entry('inbound', { message_id: opt(id), machine, provider }),
  EMAIL_CLICKED: entry('inbound', { message_id: opt(id), url: opt(z.url()), link_id: opt(id), machine, provider }),
  EMAIL_UNSUBSCRIBED: entry('inbound', { message_id: opt(id), list_id: opt(id), provider }),
  EMAIL_BOUNCED: entry('internal', { message_id: opt(id), bounce_type: z.enum(['hard', 'soft']), reason: opt(z.string().max(1000)), provider }),
  EMAIL_COMPLAINT: entry('inbound', { message_id: opt(id), feedback_type: opt(z.string().max(100)), provider }),
  SMS_SENT: entry('outbound', { message_id: opt(id), template_id: opt(id), segments: opt(count.min(1)), provider }),
  SMS_DELIVERED: entry('internal', { message_id: opt(id), provider }),
  SMS_FAILED: entry('internal', { message_id: opt(id), status: z.enum(['failed', 'undelivered']), error_code: opt(z.string().max(20)), provider }),
  SMS_CLICKED: entry('inbound', { message_id: opt(id), url: opt(z.url()), machine, provider }),
  SMS_RECEIVED: entry('inbound', {
    message_id: opt(id),
    keyword: opt(z.string().max(50)),
    text: opt(z.string().max(1600)),
    body_length: opt(count),
    classification: opt(z.enum(['OPT_OUT', 'OPT_IN', 'HELP', 'APPOINTMENT_REQUEST', 'QUESTION', 'OTHER'])),
    provider,
  }),
  /** Where an inbound reply was sent for a person to act on (the webhooks issue delivers these to other systems). */
  REPLY_ROUTED: entry('internal', { route: z.enum(['scheduling', 'advisor']), message_id: opt(id), classification: opt(z.string().max(50)) }),
  /** A contact point learnt for the journey (hash only), so inbound traffic from it finds the journey. */
  CONTACT_POINT_ADDED: entry('internal', { kind: z.enum(['email', 'phone']), hash }),
  /** The customer's opt-out of a channel at an address, with where it came from; the suppression list is built from these. */
  CONTACT_OPTED_OUT: entry('internal', { address_hash: hash, origin: optOutOrigin, message_id: opt(id) }),
  CONTACT_OPTED_IN: entry('internal', { address_hash: hash, origin: optOutOrigin, message_id: opt(id) }),
  CALL_RINGING: entry('internal', { call_id: opt(id), provider }),
  CALL_ANSWERED: entry('internal', { call_id: opt(id), answered_by: opt(z.string().max(50)), provider }),
  PORTAL_SESSION_START: entry('internal', { portal_session_id: opt(id), role: opt(z.string().max(50)) }),
  PORTAL_SESSION_END: entry('internal', { portal_session_id: id, reason: z.enum(['ended', 'idle']), idle_seconds: opt(count) }),
  /** A portal action without a type of its own, kept in the session's action list. */
  PORTAL_ACTION: entry('internal', { portal_session_id: id, action: z.string().min(1).max(100) }),
  PORTAL_VIEW_LEAD: entry('internal', { portal_session_id: opt(id) }),
  PORTAL_CALL_CUSTOMER: entry('outbound', { outcome: opt(z.string().max(50)), portal_session_id: opt(id) }),
  PORTAL_SCHEDULE_APPOINTMENT: entry('internal', {
    appointment_id: id,
    scheduled_for: opt(z.iso.datetime({ offset: true })),
    service_type: opt(z.string().max(100)),
  }),
  PORTAL_ADD_NOTE: entry('internal', { note_length: opt(count) }),
  APPOINTMENT_CANCELLED: entry('internal', { appointment_id: opt(id), reason: opt(z.string().max(500)) }),
  // Lifecycle events that carry facts
  SCHEDULED: entry('internal', { appointment_id: opt(id), scheduled_for: opt(z.iso.datetime({ offset: true })) }),
  ARRIVED: entry('internal', { appointment_id: opt(id) }),
  SERVICED: entry('internal', { revenue: opt(money), repair_order_id: opt(id) }),
  // Conversation events. A message's author is `sender` (bot | agent | system) and, for an agent, the actor
  // `{type: 'human', id}` (or `agent_id`); its platform is `source`. Message text is never kept.
  MESSAGE_RECEIVED: entry('inbound', { source, message_id: opt(id), length: opt(count) }),
  MESSAGE_SENT: entry('outbound', { source, sender: z.enum(['bot', 'agent', 'system']), message_id: opt(id), agent_id: opt(id), team: opt(id), length: opt(count) }),
  /** Categories changed after the conversation opened (fields absent here keep their value). */
  CATEGORIES_UPDATED: entry('internal', categoryFields),
  BOT_SESSION_STARTED: entry('internal', { bot_id: opt(id), intent: opt(z.string().max(100)) }),
  ESCALATION_REQUESTED: entry('inbound', {
    reason: z.enum(['customer_request', 'bot_fallback', 'sentiment', 'policy']),
    team: opt(id),
    /** Escalated from a web view (the collector's `escalate()`): which one, at which step, and the page's words. */
    webview_id: opt(id),
    step: opt(z.string().max(100)),
    note: opt(z.string().max(200)),
  }),
  AGENT_ASSIGNED: entry('internal', { agent_id: id, team: opt(id), queue: opt(id) }),
  /** The agent let go without naming another team: the conversation waits for an agent again. */
  AGENT_UNASSIGNED: entry('internal', { agent_id: opt(id), team: opt(id) }),
  HANDOVER: entry('internal', { to_team: id, from_team: opt(id), from_agent_id: opt(id), reason: opt(z.string().max(500)) }),
  WEBVIEW_OPENED: entry('inbound', { webview_id: id, url: opt(z.url()) }),
  WEBVIEW_STEP: entry('inbound', { webview_id: id, step: z.string().min(1).max(100), step_index: opt(count) }),
  WEBVIEW_EXIT: entry('inbound', { webview_id: id, step: opt(z.string().max(100)), reason: opt(z.string().max(200)) }),
  WEBVIEW_COMPLETED: entry('inbound', { webview_id: id, result: opt(z.string().max(100)) }),
  CONVERSATION_RESOLVED: entry('internal', { resolved_by: z.enum(['bot', 'agent', 'customer']), agent_id: opt(id) }),
  /** Emitted by the TTL worker: the conversation sat idle in `state` longer than its limit. */
  SESSION_EXPIRED: entry('internal', { idle_seconds: opt(count), state: opt(z.string().max(64)), ttl_seconds: opt(count) }),
  /** Emitted by the TTL worker for outreach: no customer response for the configured days after contact. */
  ABANDONED: entry('internal', { idle_seconds: opt(count), attempts: opt(count), reason: opt(z.string().max(200)) }),
};

export const EVENT_TYPE_PATTERN = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;


/** The catalogue entry of a known type (own keys only: "constructor" is no event type). */
export const catalogueEntry = (type: string): CatalogueEntry | undefined => (Object.hasOwn(EVENT_CATALOGUE, type) ? EVENT_CATALOGUE[type] : undefined);

/** Direction of an event; unknown types face inbound when a customer did them. */
export const directionOf = (type: string, actorType: string | undefined): Direction =>
  catalogueEntry(type)?.direction ?? (actorType === 'customer' ? 'inbound' : 'internal');
