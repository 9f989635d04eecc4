// What opening a journey means: its GUID, its first event, and the identities that tell a retry from a new request.
// Pure: the caller hashes the identities and draws the GUID's random part.
import type { Channel } from '../shared/channels.ts';
import { CONVERSATION_CHANNEL_CODES, CONVERSATION_COMPONENT, formatGuid, severityCode, utcDate } from './guid.ts';
import type { ConversationCategories, JourneyContact, JourneyCreatedData, RiskEvent } from './journey-events.ts';

export interface OutreachOpening {
  prefix: string;
  vin: string;
  dealer_code: string;
  customer_id: string | null;
  risk_event: RiskEvent;
  /** The customer's contact points, hashed by the caller; null when none were given. */
  contact?: JourneyContact | null;
  now: Date;
}

export interface ConversationOpening {
  prefix: string;
  channel: Channel;
  dealer_code: string;
  customer_id: string | null;
  /** When the conversation started; `now` when absent. */
  started_at: string | null;
  contact?: JourneyContact | null;
  platform?: string | null;
  parent_guid?: string | null;
  categories?: ConversationCategories | null;
  now: Date;
}

/** The first event of an outreach journey; its clock starts at the risk event. */
export const outreachCreated = (r: OutreachOpening, guid: string): JourneyCreatedData => ({
  guid,
  kind: 'outreach',
  created_at: r.now.toISOString(),
  started_at: new Date(r.risk_event.timestamp).toISOString(),
  dealer_code: r.dealer_code,
  vin: r.vin.toUpperCase(),
  customer_id: r.customer_id,
  risk_event: { ...r.risk_event, component_code: r.risk_event.component_code.toUpperCase(), severity: r.risk_event.severity.toUpperCase() },
  channel: null,
  ...(r.contact ? { contact: r.contact } : {}),
});

export const outreachGuid = (r: OutreachOpening, random: string): string =>
  formatGuid({
    prefix: r.prefix,
    date: utcDate(r.risk_event.timestamp),
    component: r.risk_event.component_code.toUpperCase(),
    code: severityCode(r.risk_event.severity)!,
    dealer: r.dealer_code,
    random,
  });

/**
 * What makes two outreach requests the same request: compared for an Idempotency-Key, and to recognise a journey
 * as a retry's own. Journeys keep its hash as `request_fingerprint`; journeys stored before that field existed are
 * recognised by computing it from their first event.
 */
export const outreachRequestIdentity = (d: Pick<JourneyCreatedData, 'vin' | 'dealer_code' | 'customer_id' | 'risk_event'>): string => {
  const r = d.risk_event;
  return JSON.stringify([d.vin?.toUpperCase(), d.dealer_code, d.customer_id, r?.component_code.toUpperCase(), r?.severity.toUpperCase(), r?.risk_score, r && new Date(r.timestamp).toISOString(), r?.failure_probability ?? null]);
};

/** A risk event's identity: the same vehicle, component and time is the same risk event, whatever else it says. */
export const riskEventIdentity = (vin: string, componentCode: string, timestamp: string): string =>
  `${vin.toUpperCase()}|${componentCode.toUpperCase()}|${new Date(timestamp).toISOString()}`;

export const riskEventIdentityOf = (d: JourneyCreatedData): string | null =>
  d.kind === 'outreach' && d.vin && d.risk_event ? riskEventIdentity(d.vin, d.risk_event.component_code, d.risk_event.timestamp) : null;

const conversationStart = (r: ConversationOpening) => (r.started_at ? new Date(r.started_at).toISOString() : r.now.toISOString());

export const conversationCreated = (r: ConversationOpening, guid: string): JourneyCreatedData => ({
  guid,
  kind: 'conversation',
  created_at: r.now.toISOString(),
  started_at: conversationStart(r),
  dealer_code: r.dealer_code,
  vin: null,
  customer_id: r.customer_id,
  risk_event: null,
  channel: r.channel,
  ...(r.contact ? { contact: r.contact } : {}),
  ...(r.platform ? { platform: r.platform } : {}),
  ...(r.parent_guid ? { parent_guid: r.parent_guid } : {}),
  ...(r.categories && Object.keys(r.categories).length > 0 ? { categories: r.categories } : {}),
});

export const conversationGuid = (r: ConversationOpening, random: string): string =>
  formatGuid({ prefix: r.prefix, date: utcDate(conversationStart(r)), component: CONVERSATION_COMPONENT, code: CONVERSATION_CHANNEL_CODES[r.channel], dealer: r.dealer_code, random });

/**
 * Conversations alike in every field are still different conversations: only their Idempotency-Key (its hash)
 * tells a retry from a new one.
 */
export const conversationRequestIdentity = (r: ConversationOpening, keyHash: string | null): string =>
  JSON.stringify([
    'conversation',
    r.dealer_code,
    r.customer_id,
    r.channel,
    r.started_at && conversationStart(r),
    keyHash,
    // Appended only when present, so conversations opened before these fields existed keep their fingerprint.
    ...(r.platform || r.parent_guid || r.categories ? [r.platform ?? null, r.parent_guid ?? null, r.categories ?? null] : []),
  ]);
