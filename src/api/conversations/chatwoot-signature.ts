// Chatwoot's webhook signature (account webhooks from Chatwoot 4.11.2, API-inbox and agent-bot webhooks from 4.13.0):
// X-Chatwoot-Signature is `sha256=` + the hex HMAC-SHA256, keyed with the webhook's secret, of
// `<X-Chatwoot-Timestamp>.<raw body>`; the timestamp is epoch seconds of that delivery attempt. Older versions sign
// nothing; for them an opt-in token in the webhook URL stands in (weaker: no body integrity, no time).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { ChatwootDeps, AppDeps } from '../http/deps.ts';
import { rawBodyOf } from '../http/json-body.ts';
import { ProblemError } from '../http/problems.ts';
import { signatureAge, staleness } from '../channels/index.ts';

export const CHATWOOT_SIGNATURE_HEADER = 'X-Chatwoot-Signature';
export const CHATWOOT_TIMESTAMP_HEADER = 'X-Chatwoot-Timestamp';

export type ChatwootSettings = ChatwootDeps & { dealerCode: string };

/** The webhook's settings, or a 503 naming the variable to set: unverified traffic is never accepted. */
export const chatwootSettings = (deps: AppDeps): ChatwootSettings => {
  const cw = deps.chatwoot;
  if (!cw || (!cw.webhookSecret && !cw.urlToken)) {
    throw new ProblemError('provider_not_configured', "This webhook is off: set CHATWOOT_WEBHOOK_SECRET to the webhook's secret in Chatwoot to verify its signatures", { variable: 'CHATWOOT_WEBHOOK_SECRET' });
  }
  if (!cw.dealerCode) {
    throw new ProblemError('provider_not_configured', 'This webhook is off: set CHATWOOT_DEALER_CODE, the dealer of conversations without a dealer_code custom attribute', { variable: 'CHATWOOT_DEALER_CODE' });
  }
  return { ...cw, dealerCode: cw.dealerCode };
};

/** Equal in constant time whatever the lengths (both sides hashed first). */
const sameToken = (a: string, b: string): boolean => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

const refuse = (detail: string): never => {
  throw new ProblemError('invalid_signature', detail);
};

/**
 * Returns how the request proved to be Chatwoot's (its signature, or the URL token), or throws 403 invalid_signature:
 * missing, stale (the 25 h / 10 min window every provider webhook has), or not matching. Call before reading the body.
 */
export const verifyChatwootRequest = (settings: ChatwootSettings, req: Request, token: string | undefined, now: Date): 'signature' | 'url_token' => {
  const signature = req.get(CHATWOOT_SIGNATURE_HEADER);
  const timestamp = req.get(CHATWOOT_TIMESTAMP_HEADER);
  if (settings.webhookSecret && (signature !== undefined || timestamp !== undefined)) {
    if (!signature || !timestamp) return refuse(`Missing ${CHATWOOT_SIGNATURE_HEADER} or ${CHATWOOT_TIMESTAMP_HEADER}`);
    const age = signatureAge(timestamp.trim(), now);
    if (age === null) return refuse(`${CHATWOOT_TIMESTAMP_HEADER} is not a time in epoch seconds`);
    const stale = staleness(age);
    if (stale) return refuse(stale);
    const hex = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim())?.[1];
    const expected = createHmac('sha256', settings.webhookSecret).update(`${timestamp.trim()}.${rawBodyOf(req)}`).digest();
    if (!hex || !timingSafeEqual(Buffer.from(hex, 'hex'), expected)) {
      return refuse(`${CHATWOOT_SIGNATURE_HEADER} does not match the body: CHATWOOT_WEBHOOK_SECRET must be the secret Chatwoot shows for this webhook`);
    }
    return 'signature';
  }
  if (settings.urlToken && token !== undefined) {
    if (!sameToken(token, settings.urlToken)) return refuse('The token in the webhook URL is not CHATWOOT_WEBHOOK_URL_TOKEN');
    return 'url_token';
  }
  return refuse(
    settings.webhookSecret
      ? `Missing ${CHATWOOT_SIGNATURE_HEADER}: Chatwoot signs its webhooks from version 4.11.2; for older versions set CHATWOOT_WEBHOOK_URL_TOKEN and put ?token=<it> in the webhook URL`
      : 'Missing ?token= in the webhook URL (CHATWOOT_WEBHOOK_URL_TOKEN)',
  );
};
