// Contact points kept as a keyed hash (HMAC-SHA-256 with the channel secret), never in clear: the kind is part of
// the key so that an email address never equals a phone number.
import { createHmac } from 'node:crypto';
import { normaliseAddress, type ContactKind, type CustomerInput } from '../../domain/channels/index.ts';
import type { JourneyContact } from '../../domain/journeys/index.ts';

/** The keyed hash of a normalised contact point, hex. */
export const contactHash = (secret: Buffer, kind: ContactKind, normalised: string): string =>
  createHmac('sha256', secret).update(`${kind}:${normalised}`).digest('hex');

/** The hash of a raw address of either kind, or null when it is not one. */
export const hashAddress = (secret: Buffer, kind: ContactKind, raw: string): string | null => {
  const n = normaliseAddress(kind, raw);
  return n === null ? null : contactHash(secret, kind, n);
};

/** A customer's contact points (already normalised by the request schema) as a journey keeps them. */
export const contactHashesOf = (secret: Buffer, c: Pick<CustomerInput, 'email' | 'phone'>): Pick<JourneyContact, 'email_hash' | 'phone_hash'> => ({
  ...(c.email ? { email_hash: contactHash(secret, 'email', c.email) } : {}),
  ...(c.phone ? { phone_hash: contactHash(secret, 'phone', c.phone) } : {}),
});
