// What a Chatwoot conversation is in Threadline's terms: the key of its journey, its account, platform, dealer,
// customer and start, its categories, and the names of its agents, bots and teams. Pure reads of Chatwoot's objects.
import { categoryFields, dealerCode, MESSAGE_PLATFORMS, type ConversationCategories } from '../journeys/index.ts';
import type { ChatwootConversation } from './chatwoot-payload.ts';

export type MessagePlatform = (typeof MESSAGE_PLATFORMS)[number];

/** Chatwoot's inbox channel types (`conversation.channel`) and the platform each is; any other type is `api`. */
export const CHATWOOT_PLATFORMS: Readonly<Record<string, MessagePlatform>> = {
  'Channel::WebWidget': 'webchat',
  'Channel::Whatsapp': 'whatsapp',
  // A Twilio inbox can carry WhatsApp too, but its conversation object does not say which medium it is.
  'Channel::TwilioSms': 'sms',
  'Channel::Sms': 'sms',
  'Channel::FacebookPage': 'messenger',
  'Channel::Instagram': 'instagram',
  'Channel::Telegram': 'telegram',
  'Channel::Line': 'line',
  'Channel::Email': 'email',
  'Channel::Api': 'api',
  'Channel::Voice': 'voice',
};

export const platformOf = (channel: string | null | undefined): MessagePlatform => (channel ? CHATWOOT_PLATFORMS[channel] : undefined) ?? 'api';

const UTC_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) UTC$/;

/** Epoch milliseconds of a Chatwoot time (epoch seconds, or a date-time string), or null when it is none. */
export const chatwootMs = (t: number | string | null | undefined): number | null => {
  if (t === null || t === undefined) return null;
  if (typeof t === 'number') return Math.round(t * 1000);
  if (/^\d{1,12}(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  // Chatwoot's own documentation shows `2020-03-03 13:05:57 UTC`; its JSON has ISO 8601.
  const ms = Date.parse(t.replace(UTC_TEXT, '$1T$2Z'));
  return Number.isFinite(ms) ? ms : null;
};

export interface ChatwootConversationRef {
  accountId: string;
  /** The conversation's number in its account (what Chatwoot's dashboard and its webhooks call its id). */
  conversationId: string;
  /** The journey's Idempotency-Key, and the prefix of its events' ids: `chatwoot:<account>:<conversation>`. */
  key: string;
  /** The conversation's creation (Chatwoot keeps it to the second), where the journey's clock starts. */
  startedAt: string;
  platform: MessagePlatform;
  dealerCode: string;
  /** `chatwoot:<account>:contact:<id>`: Chatwoot's contact, which is no PII. */
  customerId: string | null;
}

export type RefOutcome =
  | { ok: true; ref: ChatwootConversationRef }
  | { ok: false; kind: 'invalid'; path: string; message: string }
  | { ok: false; kind: 'ignored'; reason: 'invalid_dealer_code'; detail: string };

const firstMessageAccount = (c: ChatwootConversation): string | null => {
  const m = c.messages?.[0];
  const id = typeof m === 'object' && m !== null ? (m as Record<string, unknown>)['account_id'] : undefined;
  return typeof id === 'number' || (typeof id === 'string' && /^\d{1,18}$/.test(id)) ? String(id) : null;
};

/**
 * The dealer: the conversation's `dealer_code` custom attribute, else the configured default. An attribute that is
 * no dealer code is not replaced by the default: that would file the conversation under another dealer.
 */
const dealerOf = (c: ChatwootConversation, fallback: string): { ok: true; code: string } | { ok: false; detail: string } => {
  const raw = c.custom_attributes?.['dealer_code'];
  if (raw === undefined || raw === null || raw === '') return { ok: true, code: fallback };
  const parsed = dealerCode.safeParse(typeof raw === 'string' ? raw.trim() : raw);
  return parsed.success ? { ok: true, code: parsed.data } : { ok: false, detail: `conversation ${c.id}: custom attribute dealer_code ${JSON.stringify(raw)} is not a dealer code (1 to 16 letters or digits)` };
};

/** The conversation's reference; `accountId` is what the event names outside the conversation object, if anything. */
export const conversationRef = (c: ChatwootConversation, accountId: string | null, defaultDealer: string): RefOutcome => {
  const account = accountId ?? c.account?.id ?? c.account_id ?? firstMessageAccount(c);
  if (account === null) return { ok: false, kind: 'invalid', path: 'account.id', message: 'no account: neither account.id nor account_id is in the body' };
  const started = chatwootMs(c.created_at);
  if (started === null) return { ok: false, kind: 'invalid', path: 'created_at', message: 'not a time (epoch seconds or an ISO 8601 date-time)' };
  const dealer = dealerOf(c, defaultDealer);
  if (!dealer.ok) return { ok: false, kind: 'ignored', reason: 'invalid_dealer_code', detail: dealer.detail };
  const contact = c.meta?.sender?.id;
  return {
    ok: true,
    ref: {
      accountId: account,
      conversationId: c.id,
      key: `chatwoot:${account}:${c.id}`,
      startedAt: new Date(Math.floor(started / 1000) * 1000).toISOString(),
      platform: platformOf(c.channel),
      dealerCode: dealer.code,
      customerId: contact ? `chatwoot:${account}:contact:${contact}` : null,
    },
  };
};

const PRIORITIES: Readonly<Record<string, NonNullable<ConversationCategories['priority']>>> = { low: 'low', medium: 'normal', normal: 'normal', high: 'high', urgent: 'urgent' };

const valid = <K extends keyof typeof categoryFields>(key: K, v: unknown): string | undefined => {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const parsed = categoryFields[key].safeParse(v.trim());
  return parsed.success ? (parsed.data as string) : undefined;
};

/** Where a conversation's categories are read: its custom attributes, Chatwoot's priority and conversation language. */
export interface CategorySource {
  custom: Readonly<Record<string, unknown>> | null | undefined;
  priority: unknown;
  additional: Readonly<Record<string, unknown>> | null | undefined;
}

export const categorySourceOf = (c: ChatwootConversation): CategorySource => ({ custom: c.custom_attributes, priority: c.priority, additional: c.additional_attributes });

/**
 * The categories: `department`, `query_nature`, `language`, `priority` custom attributes; without them, Chatwoot's
 * own priority (medium is Threadline's normal) and conversation language. A value Threadline cannot hold is left out.
 */
export const categoriesOf = (s: CategorySource): ConversationCategories => {
  const pick = (v: unknown) => (typeof v === 'string' ? PRIORITIES[v.trim().toLowerCase()] : undefined);
  const out: ConversationCategories = {
    department: valid('department', s.custom?.['department']),
    query_nature: valid('query_nature', s.custom?.['query_nature']),
    language: valid('language', s.custom?.['language']) ?? valid('language', s.additional?.['conversation_language']),
    priority: pick(s.custom?.['priority']) ?? pick(s.priority),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as ConversationCategories;
};

/** A team by its id: the name Chatwoot shows when the conversation's team is that one. */
export const teamName = (c: ChatwootConversation, teamId: string): string => (c.meta?.team?.id === teamId ? c.meta.team.name : `chatwoot-team-${teamId}`);

/** Agents (Chatwoot users) are `chatwoot:<user id>`, bots `chatwoot:bot:<id>`. */
export const agentId = (userId: string): string => `chatwoot:${userId}`;
export const botId = (id: string): string => `chatwoot:bot:${id}`;

/** The human agent the conversation is assigned to now, or null (none, or an agent bot). */
export const assignedAgent = (c: ChatwootConversation): string | null => {
  const a = c.meta?.assignee;
  return a && (a.type ?? 'user') === 'user' ? a.id : null;
};
