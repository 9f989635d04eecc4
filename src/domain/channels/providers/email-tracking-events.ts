// A normalised provider email event as the journey's tracking events: the same mapping for every provider.
import type { TrackingEvent } from '../../journeys/index.ts';
import type { Actor } from '../../shared/channels.ts';
import type { EmailEventKind, ProviderEmailEvent } from './email-provider.ts';

/** Where the event goes, found by the caller: the journey, its dealer, the recipient's keyed hash (null when unknown). */
export interface EmailEventTarget {
  guid: string;
  dealerCode: string | null;
  addressHash: string | null;
  receivedAt: string;
}

const TYPES: Readonly<Record<EmailEventKind, string | null>> = {
  sent: 'EMAIL_SENT',
  delivered: 'EMAIL_DELIVERED',
  opened: 'EMAIL_OPENED',
  clicked: 'EMAIL_CLICKED',
  bounced: 'EMAIL_BOUNCED',
  complained: 'EMAIL_COMPLAINT',
  unsubscribed: 'EMAIL_UNSUBSCRIBED',
  // A resubscription is only the suppression list's business.
  resubscribed: null,
};

const CUSTOMER_KINDS: ReadonlySet<EmailEventKind> = new Set(['opened', 'clicked', 'complained', 'unsubscribed', 'resubscribed']);

/**
 * The idempotency key. The provider's event id, except for the send: with Threadline's message id it is the key the
 * email prepare call used for its EMAIL_SENT, so the provider's `processed` / `accepted` is a duplicate of it.
 */
export const emailEventId = (e: ProviderEmailEvent): string =>
  e.kind === 'sent' && e.messageId ? `email:${e.messageId}:sent` : `${e.provider}:${e.providerEventId}`;

const detailsOf = (e: ProviderEmailEvent): Record<string, unknown> => ({
  ...(e.messageId ? { message_id: e.messageId } : {}),
  provider: e.provider,
  provider_event: e.providerEvent,
  ...(e.providerMessageId ? { provider_message_id: e.providerMessageId } : {}),
  ...(e.machine ? { machine: e.machine } : {}),
  ...(e.url ? { url: e.url } : {}),
  ...(e.bounceType ? { bounce_type: e.bounceType } : {}),
  ...(e.reason ? { reason: e.reason } : {}),
  ...(e.listId ? { list_id: e.listId } : {}),
});

/**
 * EMAIL_* for the event, and for an unsubscribe (resubscribe) the CONTACT_OPTED_OUT (IN) that the suppression list
 * is built from, when the recipient's address is known. The first event is the one the answer counts.
 */
export const emailTrackingEvents = (e: ProviderEmailEvent, t: EmailEventTarget): TrackingEvent[] => {
  // A machine's open or click is no customer's: no actor (as for Threadline's own pixel and redirects).
  const actor: Actor | null = e.machine?.flag ? null : { type: CUSTOMER_KINDS.has(e.kind) ? 'customer' : 'system', ...(CUSTOMER_KINDS.has(e.kind) ? {} : { id: e.provider }) };
  const common = { guid: t.guid, channel: 'EMAIL' as const, occurred_at: e.occurredAt, received_at: t.receivedAt, actor, dealer_code: t.dealerCode, session_id: null, user_id: null };
  const out: TrackingEvent[] = [];
  const type = TYPES[e.kind];
  if (type) out.push({ ...common, event_id: emailEventId(e), event_type: type, details: detailsOf(e) });
  if ((e.kind === 'unsubscribed' || e.kind === 'resubscribed') && t.addressHash) {
    out.push({
      ...common,
      // Its own key beside the EMAIL_UNSUBSCRIBED of the same provider event.
      event_id: type ? `${e.provider}:${e.providerEventId}:contact` : `${e.provider}:${e.providerEventId}`,
      event_type: e.kind === 'unsubscribed' ? 'CONTACT_OPTED_OUT' : 'CONTACT_OPTED_IN',
      details: { address_hash: t.addressHash, origin: { kind: 'provider', provider: e.provider }, ...(e.messageId ? { message_id: e.messageId } : {}) },
    });
  }
  return out;
};
