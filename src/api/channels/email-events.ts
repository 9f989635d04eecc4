// The tracking events the email channel records, with event ids derived from what happened, so that a repeat is
// stored once: the same message prepared again, an open or click repeated within the same second by the same client.
import { createHash } from 'node:crypto';
import type { MachineFlag } from '../../domain/channels/index.ts';
import type { TrackingEvent } from '../../domain/journeys/index.ts';
import { channelEvent } from './channel-events.ts';

const PROVIDER = 'threadline';

const event = (guid: string, type: string, id: string, at: Date, details: Record<string, unknown>, actor: TrackingEvent['actor']): TrackingEvent =>
  channelEvent('EMAIL', guid, type, id, at, actor, details);

const SYSTEM = { type: 'system' as const, id: PROVIDER };
const CUSTOMER = { type: 'customer' as const };
/** A machine's open or click is no customer's: no actor. */
const actorOf = (machine: MachineFlag) => (machine.flag ? null : CUSTOMER);

/**
 * 16 hex characters (64 bits) of SHA-256 over what tells one request from its repeat: the client (method, user
 * agent) and the second it came in. Two clients in the same second differ; one client's double fetch does not.
 */
export const repeatKey = (parts: readonly (string | number)[]): string => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);

export interface Prepared {
  guid: string;
  messageId: string;
  templateId?: string | undefined;
  campaignId?: string | undefined;
  variant?: string | undefined;
  addressHash: string;
  at: Date;
}

/** EMAIL_SENT (once per message id) and the address as the journey's contact point (once per address). */
export const preparedEvents = (p: Prepared): TrackingEvent[] => [
  event(p.guid, 'EMAIL_SENT', `email:${p.messageId}:sent`, p.at, {
    message_id: p.messageId,
    ...(p.templateId ? { template_id: p.templateId } : {}),
    ...(p.campaignId ? { campaign_id: p.campaignId } : {}),
    ...(p.variant ? { variant: p.variant } : {}),
    provider: PROVIDER,
  }, SYSTEM),
  event(p.guid, 'CONTACT_POINT_ADDED', `contact:email:${p.addressHash}`, p.at, { kind: 'email', hash: p.addressHash }, SYSTEM),
];

const second = (at: Date) => Math.floor(at.getTime() / 1000);

export const openedEvent = (guid: string, messageId: string, at: Date, client: { method: string; userAgent: string }, machine: MachineFlag): TrackingEvent =>
  event(guid, 'EMAIL_OPENED', `email:${messageId}:open:${repeatKey([client.method, client.userAgent, second(at)])}`, at, { message_id: messageId, machine, provider: PROVIDER }, actorOf(machine));

export const clickedEvent = (guid: string, messageId: string, link: { index: number; url: string }, at: Date, client: { method: string; userAgent: string }, machine: MachineFlag): TrackingEvent =>
  event(guid, 'EMAIL_CLICKED', `email:${messageId}:click:${link.index}:${repeatKey([client.method, client.userAgent, second(at)])}`, at, {
    message_id: messageId,
    url: link.url,
    link_id: String(link.index),
    machine,
    provider: PROVIDER,
  }, actorOf(machine));

/**
 * The unsubscribe and the opt-out it asks for. Keyed by the minute: a client's retry is stored once, and a later
 * unsubscribe from the same message (after an opt-in) still counts.
 */
export const unsubscribedEvents = (guid: string, messageId: string, addressHash: string, at: Date): TrackingEvent[] => {
  const minute = Math.floor(at.getTime() / 60_000);
  return [
    event(guid, 'EMAIL_UNSUBSCRIBED', `email:${messageId}:unsubscribe:${minute}`, at, { message_id: messageId, provider: PROVIDER }, CUSTOMER),
    event(guid, 'CONTACT_OPTED_OUT', `email:${messageId}:opt-out:${minute}`, at, { address_hash: addressHash, origin: { kind: 'link', provider: PROVIDER }, message_id: messageId }, CUSTOMER),
  ];
};
