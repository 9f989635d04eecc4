// Mailgun's webhook signature: HMAC-SHA256 with the HTTP webhook signing key over `timestamp + token`, carried in
// the body's `signature` object. It does not cover the event itself, so a token is remembered with the body it came
// with: the same token with another body is a forgery built from a captured request.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AppDeps } from '../../http/deps.ts';
import { ProblemError } from '../../http/problems.ts';
import { providerSecret } from '../channel-events.ts';
import { SIGNATURE_MAX_AGE_S, signatureAge, staleness } from './sendgrid-signature.ts';

export { SIGNATURE_MAX_AGE_S };

/**
 * Tokens seen within the signature window, with the hash of their body. Per process: behind a load balancer each
 * instance remembers its own, so a forged body is refused only by the instance that saw the token (the timestamp
 * window bounds the rest). Bounded, oldest dropped first.
 */
const MAX_TOKENS = 100_000;
const tokens = new Map<string, { bodyHash: string; until: number }>();

const remember = (token: string, bodyHash: string, nowMs: number): boolean => {
  for (const [t, seen] of tokens) {
    if (seen.until > nowMs && tokens.size < MAX_TOKENS) break;
    tokens.delete(t);
  }
  const seen = tokens.get(token);
  if (seen && seen.until > nowMs) return seen.bodyHash === bodyHash;
  // Re-inserted at the end, so the map stays in order of expiry.
  tokens.delete(token);
  tokens.set(token, { bodyHash, until: nowMs + 2 * SIGNATURE_MAX_AGE_S * 1000 });
  return true;
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max: number): string | null => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : null);

/**
 * Returns when the body is Mailgun's, fresh and not a forgery from a reused token; otherwise throws 503
 * provider_not_configured (no key) or 403 invalid_signature. Redelivery of the very same body passes (it is stored once).
 */
export const verifyMailgunRequest = (deps: AppDeps, body: unknown, rawBody: string, now: Date): void => {
  const key = providerSecret(deps, 'mailgunSigningKey');
  const sig = isRecord(body) && isRecord(body['signature']) ? body['signature'] : {};
  const timestamp = text(sig['timestamp'], 20) ?? (typeof sig['timestamp'] === 'number' && Number.isSafeInteger(sig['timestamp']) ? String(sig['timestamp']) : null);
  const token = text(sig['token'], 200);
  const signature = text(sig['signature'], 200);
  if (!timestamp || !token || !signature) throw new ProblemError('invalid_signature', 'Missing signature.timestamp, signature.token or signature.signature: not a Mailgun webhook');
  const age = signatureAge(timestamp, now);
  if (age === null) throw new ProblemError('invalid_signature', 'signature.timestamp is not a time in epoch seconds');
  const stale = staleness(age);
  if (stale) throw new ProblemError('invalid_signature', stale);
  const expected = createHmac('sha256', key).update(timestamp + token).digest();
  const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ProblemError('invalid_signature', 'signature.signature does not match: check MAILGUN_WEBHOOK_SIGNING_KEY (Sending → Webhooks → HTTP webhook signing key)');
  if (!remember(token, createHash('sha256').update(rawBody).digest('hex'), now.getTime())) throw new ProblemError('invalid_signature', 'This signature token came before with another body: refused as a replay');
};
