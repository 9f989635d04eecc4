// The signed tokens of an email's tracked URLs: a link carries its destination, so a redirect goes only where a
// prepare signed it to; the pixel and the unsubscribe link name the message (and the address hash, to opt it out).
import { z } from 'zod';
import { isTrackableUrl } from '../../domain/channels/index.ts';
import { isGuid } from '../../domain/journeys/index.ts';
import { signToken, verifyToken } from '../../application/channels/index.ts';

const guid = z.string().refine(isGuid);
const messageId = z.string().min(1).max(200);
const at = z.number().int().nonnegative();

const linkPayload = z.object({ g: guid, m: messageId, u: z.string().refine(isTrackableUrl), i: z.number().int().nonnegative(), n: z.number().int().positive(), t: at });
const pixelPayload = z.object({ g: guid, m: messageId, t: at });
const unsubscribePayload = pixelPayload.extend({ h: z.string().regex(/^[0-9a-f]{64}$/) });

export type LinkToken = z.infer<typeof linkPayload>;
export type PixelToken = z.infer<typeof pixelPayload>;
export type UnsubscribeToken = z.infer<typeof unsubscribePayload>;

const TOKENS = {
  link: linkPayload,
  pixel: pixelPayload,
  unsubscribe: unsubscribePayload,
} as const;

type Purpose = keyof typeof TOKENS;
type PayloadOf<P extends Purpose> = z.infer<(typeof TOKENS)[P]>;

// The purposes are signed with the token: an email's pixel token is no link token, nor an SMS link's.
const PURPOSE: Record<Purpose, string> = { link: 'email-link', pixel: 'email-pixel', unsubscribe: 'email-unsubscribe' };

export const signEmailToken = <P extends Purpose>(secret: Buffer, purpose: P, payload: PayloadOf<P>): string => signToken(secret, PURPOSE[purpose], payload);

/** The payload of a valid token of that purpose; null for anything else (tampered, another purpose, malformed). */
export const readEmailToken = <P extends Purpose>(secret: Buffer, purpose: P, token: string): PayloadOf<P> | null => {
  const payload = verifyToken(secret, PURPOSE[purpose], token);
  if (payload === null) return null;
  const parsed = TOKENS[purpose].safeParse(payload);
  return parsed.success ? (parsed.data as PayloadOf<P>) : null;
};
