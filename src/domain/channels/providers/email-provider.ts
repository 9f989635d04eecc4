// The port every email provider's event webhook adapter implements (SendGrid, Mailgun): the provider's payload, its
// signature already checked, in; normalised email events out. Pure: no clock, no hashing, no journey lookups.
import type { Parsed } from '../../shared/violation.ts';
import type { MachineFlag } from '../../shared/machine-flag.ts';

export const EMAIL_PROVIDERS = ['sendgrid', 'mailgun'] as const;
export type EmailProvider = (typeof EMAIL_PROVIDERS)[number];

/** What happened to a message, in the words every provider's events map to. */
export type EmailEventKind = 'sent' | 'delivered' | 'opened' | 'clicked' | 'bounced' | 'complained' | 'unsubscribed' | 'resubscribed';

/** One provider event, normalised. Absent facts are null, never guessed. */
export interface ProviderEmailEvent {
  provider: EmailProvider;
  /** The provider's own id of this event (SendGrid `sg_event_id`, Mailgun `event-data.id`): the idempotency key. */
  providerEventId: string;
  /** The provider's event name as sent (`processed`, `failed`, ...), for logs and the stored details. */
  providerEvent: string;
  kind: EmailEventKind;
  /** ISO 8601, from the provider's event time. */
  occurredAt: string;
  /** What the sender attached to the message (custom args / user variables): the journey and Threadline's message id. */
  guid: string | null;
  messageId: string | null;
  providerMessageId: string | null;
  /** The recipient's address as the provider sent it (hashed before anything stores it). */
  recipient: string | null;
  /** opened / clicked: who did it. */
  machine?: MachineFlag;
  /** clicked: the destination, when it is an http(s) URL. */
  url?: string | null;
  /** bounced: permanent (hard) or temporary (soft), and the receiving server's words. */
  bounceType?: 'hard' | 'soft';
  reason?: string | null;
  /** unsubscribed / resubscribed: the list (SendGrid's unsubscribe group), when there is one. */
  listId?: string | null;
}

/** Why an event of a webhook body was not stored; the answer counts them. */
export type SkipReason = 'ignored_type' | 'malformed' | 'no_guid' | 'unknown_guid' | 'future_time' | 'no_address';

export interface SkippedEvent {
  reason: SkipReason;
  detail: string;
}

export interface ProviderBatch {
  events: ProviderEmailEvent[];
  skipped: SkippedEvent[];
}

export interface EmailProviderAdapter {
  name: EmailProvider;
  /**
   * The events of one webhook body. A body of the wrong shape is a failure listing why; an event of a type the
   * adapter does not map, or one missing what it needs, is skipped with its reason (the rest are still stored).
   */
  parse(body: unknown): Parsed<ProviderBatch>;
}
