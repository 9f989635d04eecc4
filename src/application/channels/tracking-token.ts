// Tracking tokens (pixel, link, unsubscribe): a payload signed with the channel secret. The destination of a link is
// inside the signed payload, so a redirect never takes it from the request and needs no lookup; a token that is
// tampered with, truncated or signed with another secret is refused (compared in constant time).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** 128 bits of HMAC-SHA-256: forging one is out of reach; tokens stay short enough for a URL. */
const MAC_BYTES = 16;
/** Tokens longer than this are refused before any work (a link carries its destination, at most 2 KB). */
export const MAX_TOKEN_LENGTH = 4096;

const mac = (secret: Buffer, purpose: string, body: string): Buffer => createHmac('sha256', secret).update(`${purpose}.${body}`).digest().subarray(0, MAC_BYTES);

/** `<base64url(JSON payload)>.<base64url(MAC)>`; the purpose ('pixel', 'link', ...) is signed too, so tokens do not cross over. */
export const signToken = (secret: Buffer, purpose: string, payload: Record<string, unknown>): string => {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, purpose, body).toString('base64url')}`;
};

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The payload of a token signed for `purpose` with `secret`, or null for anything else. */
export const verifyToken = (secret: Buffer, purpose: string, token: string): Record<string, unknown> | null => {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const body = token.slice(0, dot);
  const sig = token.slice(dot + 1);
  if (!BASE64URL.test(body) || !BASE64URL.test(sig)) return null;
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(secret, purpose, body);
  // One spelling per token: a last character that differs only in unused bits is another token, refused.
  if (given.length !== expected.length || given.toString('base64url') !== sig || !timingSafeEqual(given, expected)) return null;
  try {
    const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

