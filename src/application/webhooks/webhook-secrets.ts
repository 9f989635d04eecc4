// Subscription ids and signing secrets: `wh_` + base62, and `whsec_` + base64 of random key bytes (the Standard
// Webhooks format, which the `standardwebhooks` package decodes after the prefix).
import { randomBytes } from 'node:crypto';
import { WEBHOOK_ID_PREFIX, WEBHOOK_SECRET_PREFIX } from '../../domain/webhooks/index.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 32 bytes: above the spec's 24-byte minimum, the size of the HMAC-SHA256 block's natural key. */
const SECRET_BYTES = 32;

/** `wh_` + 22 base62 characters (about 131 bits; rejection sampling keeps every character uniform). */
export const newSubscriptionId = (): string => {
  let out = '';
  while (out.length < 22) {
    for (const b of randomBytes(32)) if (b < 248 && out.length < 22) out += BASE62[b % 62];
  }
  return WEBHOOK_ID_PREFIX + out;
};

export const newWebhookSecret = (): string => WEBHOOK_SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
