// The tracking events the SMS channel records: what a prepare sends, and what an inbound reply derives (its record,
// the opt-out or opt-in it asks for, where it is routed), each with an event_id derived from the provider's own id
// so that a redelivered webhook is stored once.
import type { ReplyClassification } from '../../domain/channels/index.ts';
import { routeOfReply } from '../../domain/channels/index.ts';
import type { TrackingEvent } from '../../domain/journeys/index.ts';
import { channelEvent } from './channel-events.ts';
import type { Actor } from '../../domain/shared/channels.ts';

/** What Threadline knows of one inbound reply; the sender only as its keyed hash. */
export interface InboundReply {
  messageSid: string;
  fromHash: string;
  /** At most 200 characters. */
  text: string;
  keyword: string;
  bodyLength: number;
  classification: ReplyClassification;
  receivedAt: Date;
}

/** An event of the SMS channel (channel-events.ts). */
export const smsEvent = (guid: string, eventType: string, eventId: string, at: Date, actor: Actor, details: Record<string, unknown>): TrackingEvent =>
  channelEvent('SMS', guid, eventType, eventId, at, actor, details);

const CUSTOMER: Actor = { type: 'customer' };
const SYSTEM: Actor = { type: 'system' };

/** The opt-out or opt-in the reply asks for, at the journey's dealer; none for any other reply. */
export const consentEvents = (guid: string, r: InboundReply): TrackingEvent[] => {
  if (r.classification !== 'OPT_OUT' && r.classification !== 'OPT_IN') return [];
  const out = r.classification === 'OPT_OUT';
  return [
    smsEvent(guid, out ? 'CONTACT_OPTED_OUT' : 'CONTACT_OPTED_IN', `twilio:${r.messageSid}:${out ? 'opted_out' : 'opted_in'}`, r.receivedAt, CUSTOMER, {
      address_hash: r.fromHash,
      origin: { kind: 'keyword', provider: 'twilio', raw_text: r.text },
      message_id: r.messageSid,
    }),
  ];
};

/** The reply on its journey: SMS_RECEIVED, then its opt-out or opt-in, then where it was routed (one atomic append). */
export const replyEvents = (guid: string, r: InboundReply): TrackingEvent[] => {
  const route = routeOfReply(r.classification);
  return [
    smsEvent(guid, 'SMS_RECEIVED', `twilio:${r.messageSid}`, r.receivedAt, CUSTOMER, {
      message_id: r.messageSid,
      text: r.text,
      body_length: r.bodyLength,
      keyword: r.keyword,
      classification: r.classification,
      provider: 'twilio',
    }),
    ...consentEvents(guid, r),
    ...(route ? [smsEvent(guid, 'REPLY_ROUTED', `twilio:${r.messageSid}:routed`, r.receivedAt, SYSTEM, { route, message_id: r.messageSid, classification: r.classification })] : []),
  ];
};
