// Twilio's webhook signature (X-Twilio-Signature: HMAC-SHA1 of the URL Twilio called plus the sorted form fields),
// checked with the official helper. Shared by the SMS and voice webhooks.
import type { Request } from 'express';
import type { z } from 'zod';
// The webhooks module alone: it loads in ~7 ms, the package's entry point (the whole REST client) in ~100 ms.
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import type { AppDeps } from '../http/deps.ts';
import { ProblemError } from '../http/problems.ts';
import type { BodyDeclaration } from '../http/route.ts';
import { providerSecret } from './channel-events.ts';

/** The URL Twilio signed: the public base URL it was given plus the path and query exactly as requested. */
export const twilioSignedUrl = (deps: AppDeps, req: Request): string => `${deps.config.publicUrl}${req.originalUrl}`;

const matches = (token: string, signature: string, url: string, params: Record<string, string>): boolean => {
  try {
    return validateRequest(token, signature, url, params);
  } catch {
    // The helper re-parses the URL with `new URL()` on a mismatch; a URL it cannot parse was not signed by Twilio.
    return false;
  }
};

/**
 * Throws 503 provider_not_configured (naming TWILIO_AUTH_TOKEN) when no token is set, and 403 invalid_signature when
 * the signature is missing or does not match; returns when the request is Twilio's. Call before storing anything.
 */
export const verifyTwilioRequest = (deps: AppDeps, req: Request, params: Record<string, string>): void => {
  const token = providerSecret(deps, 'twilioAuthToken');
  const signature = req.header('x-twilio-signature');
  if (!signature) throw new ProblemError('invalid_signature', 'Missing X-Twilio-Signature');
  if (!matches(token, signature, twilioSignedUrl(deps, req), params)) {
    throw new ProblemError('invalid_signature', 'X-Twilio-Signature does not match: THREADLINE_PUBLIC_URL must be the exact URL Twilio calls');
  }
};

/**
 * A Twilio webhook's form body: every field as sent, for the signature covers them all; `schema` documents the
 * fields the route reads, and is checked by the route only after the signature (unsigned junk is a 403, not a 400).
 */
export const twilioForm = (schema: z.ZodType): BodyDeclaration<Record<string, string>> => ({
  schema,
  mediaType: 'form',
  parse: (input) => ({ ok: true, value: typeof input === 'object' && input !== null ? (input as Record<string, string>) : {} }),
});
