// SendGrid's Signed Event Webhook: an ECDSA (P-256, SHA-256) signature of the timestamp header and the raw body,
// checked with SendGrid's own @sendgrid/eventwebhook against the verification key from SENDGRID_WEBHOOK_PUBLIC_KEY.
import type { Request } from 'express';
import { EventWebhook } from '@sendgrid/eventwebhook';
import type { AppDeps } from '../../http/deps.ts';
import { rawBodyOf } from '../../http/json-body.ts';
import { ProblemError } from '../../http/problems.ts';
import { providerSecret } from '../channel-events.ts';

export const SENDGRID_SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const SENDGRID_TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

/**
 * How old a signature may be: longer than the providers retry (SendGrid for 24 h, Mailgun for 8 h), because neither
 * documents that a retry is signed afresh, and refusing a genuine retry would lose its events for good. A replay
 * inside the window does no harm: events are stored once by the provider's event id (and a Mailgun token reused
 * with another body is refused). A signature from the future is a clock far off: at most 10 minutes ahead.
 */
export const SIGNATURE_MAX_AGE_S = 25 * 3600;
export const SIGNATURE_MAX_AHEAD_S = 600;

/** Why a signature's time is refused, or null when it is inside the window. */
export const staleness = (age: number): string | null =>
  age > SIGNATURE_MAX_AGE_S ? `The signature is ${age} s old; older than ${SIGNATURE_MAX_AGE_S} s is refused (a replay)` : -age > SIGNATURE_MAX_AHEAD_S ? `The signature is ${-age} s ahead of the server's clock; more than ${SIGNATURE_MAX_AHEAD_S} s is refused` : null;

const webhook = new EventWebhook();
type PublicKey = ReturnType<EventWebhook['convertPublicKeyToECDSA']>;
// Parsing the key is pure JavaScript big-number work: once per key, not per request.
const keys = new Map<string, PublicKey>();

const publicKeyOf = (raw: string): PublicKey => {
  let key = keys.get(raw);
  if (!key) {
    try {
      key = webhook.convertPublicKeyToECDSA(raw.trim());
    } catch {
      throw new ProblemError('provider_not_configured', 'SENDGRID_WEBHOOK_PUBLIC_KEY is not a verification key: paste the key SendGrid shows under Mail Settings → Event Webhook → Signature Verification', { variable: 'SENDGRID_WEBHOOK_PUBLIC_KEY' });
    }
    keys.set(raw, key);
  }
  return key;
};

const matches = (key: PublicKey, body: string, signature: string, timestamp: string): boolean => {
  try {
    return webhook.verifySignature(key, body, signature, timestamp);
  } catch {
    // The library throws on a signature that is not DER-encoded base64: not SendGrid's.
    return false;
  }
};

/** Age in seconds of an epoch-seconds header, or null when it is not one. */
export const signatureAge = (timestamp: string, now: Date): number | null => (/^\d{1,12}$/.test(timestamp) ? Math.floor(now.getTime() / 1000) - Number(timestamp) : null);

/**
 * Returns when the request is SendGrid's and fresh; otherwise throws 503 provider_not_configured (no key set) or
 * 403 invalid_signature (missing, stale or not matching). Call before reading the events.
 */
export const verifySendgridRequest = (deps: AppDeps, req: Request, now: Date): void => {
  const key = publicKeyOf(providerSecret(deps, 'sendgridPublicKey'));
  const signature = req.get(SENDGRID_SIGNATURE_HEADER);
  const timestamp = req.get(SENDGRID_TIMESTAMP_HEADER);
  if (!signature || !timestamp) throw new ProblemError('invalid_signature', `Missing ${SENDGRID_SIGNATURE_HEADER} or ${SENDGRID_TIMESTAMP_HEADER}: turn on the Signed Event Webhook`);
  const age = signatureAge(timestamp, now);
  if (age === null) throw new ProblemError('invalid_signature', `${SENDGRID_TIMESTAMP_HEADER} is not a time in epoch seconds`);
  const stale = staleness(age);
  if (stale) throw new ProblemError('invalid_signature', stale);
  // A real signature is a DER ECDSA signature in base64 (about 96 characters); anything long is not one.
  if (signature.length > 512 || !matches(key, rawBodyOf(req), signature, timestamp)) {
    throw new ProblemError('invalid_signature', `${SENDGRID_SIGNATURE_HEADER} does not match the body: check SENDGRID_WEBHOOK_PUBLIC_KEY`);
  }
};
