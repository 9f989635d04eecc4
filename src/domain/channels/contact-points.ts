// A customer's contact points (email address, E.164 phone number) and how they are normalised before they are kept
// as a keyed hash (src/application/channels/contact-hash.ts), so read models and logs can match inbound traffic to
// journeys without holding the address itself.
import { z } from 'zod';

export const CONTACT_KINDS = ['email', 'phone'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

/** Addresses compare case-insensitively in practice (RFC 5321 allows case-sensitive local parts; no provider uses them). */
export const normaliseEmail = (address: string): string => address.trim().toLowerCase();

/** E.164: a plus, a country code not starting with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/** Spaces, dots, dashes and brackets are how people write numbers; E.164 has none of them. */
export const normalisePhone = (number: string): string => number.trim().replace(/[\s().-]/g, '');

export const emailAddress = z
  .string()
  .max(254)
  .transform(normaliseEmail)
  .pipe(z.email({ message: 'an email address, e.g. jane@example.com' }));

export const phoneNumber = z
  .string()
  .max(32)
  .transform(normalisePhone)
  .refine((v) => E164.test(v), 'an E.164 phone number, e.g. +13135550123');

/** The normalised form of a raw address of either kind, or null when it is not one. */
export const normaliseAddress = (kind: ContactKind, raw: string): string | null => {
  const parsed = (kind === 'email' ? emailAddress : phoneNumber).safeParse(raw);
  return parsed.success ? parsed.data : null;
};

/** What generate-guid accepts about the customer; email and phone are hashed before anything stores them. */
export const customerBody = z.strictObject({
  id: z.string().min(1).max(100).optional(),
  email: emailAddress.optional(),
  phone: phoneNumber.optional(),
  timezone: z
    .string()
    .max(64)
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA time zone, e.g. America/Detroit')
    .optional(),
});
export type CustomerInput = z.infer<typeof customerBody>;

