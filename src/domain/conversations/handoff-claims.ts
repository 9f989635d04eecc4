// The hand-off from a chat to a web view: what the request asks for, what the signed token says, and where the web
// view is opened with it. Signing and verifying (jose) happen at the API; the rules about them live here.
import { z } from 'zod';
import { categoryFields, isGuid } from '../journeys/index.ts';
import type { Parsed } from '../shared/violation.ts';

/** The only thing a hand-off token allows: appending web-view events to its one journey. */
export const HANDOFF_SCOPE = 'webview:append';
/** Who the token is for (the collect endpoint) and who made it; a token for anything else is refused. */
export const HANDOFF_AUDIENCE = 'threadline:collect';
export const HANDOFF_ISSUER = 'threadline';
/** Long enough for a self-service flow, short enough that a leaked link soon stops working. */
export const HANDOFF_TTL_SECONDS = { default: 30 * 60, min: 60, max: 4 * 3600 } as const;
/** Where the token travels in the web view's address: a fragment is never sent to a server or written to its logs. */
export const HANDOFF_FRAGMENT_PARAM = 'tl_token';

/** A web view's id: it is part of every event id the collector derives, so it stays short and plain. */
export const webviewId = z.string().regex(/^[A-Za-z0-9._:-]{1,60}$/, '1 to 60 letters, digits or . _ : -');

export const handoffBody = z.strictObject({
  webview_id: webviewId,
  /** The web view's address; the answer's `url` is it with the token in the fragment. */
  url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).max(2000).optional(),
  ttl_seconds: z.number().int().min(HANDOFF_TTL_SECONDS.min).max(HANDOFF_TTL_SECONDS.max).optional(),
  context: z.strictObject({ intent: z.string().min(1).max(100).optional() }).optional(),
});
export type HandoffRequest = z.infer<typeof handoffBody>;

/** A token's claims as the collect endpoint trusts them once the signature, issuer, audience and expiry hold. */
export const handoffClaims = z.object({
  guid: z.string().refine(isGuid, 'not a Threadline GUID'),
  webview_id: webviewId,
  scope: z.literal(HANDOFF_SCOPE, { error: `not a ${HANDOFF_SCOPE} token` }),
  categories: z.strictObject(categoryFields),
  intent: z.string().min(1).max(100).optional(),
  jti: z.string().min(1).max(100),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type HandoffClaims = z.infer<typeof handoffClaims>;

/** The claims a hand-off signs, less the times and id the signer adds. */
export type HandoffGrant = Pick<HandoffClaims, 'guid' | 'webview_id' | 'categories' | 'intent'>;

/**
 * The web view's address with the token in its fragment. Only an origin the collector accepts (its CORS list) may
 * receive a token, and an address with a fragment of its own is refused rather than rewritten: a hash router's
 * route would be lost or the token mangled.
 */
export const handoffUrl = (url: string, token: string, allowedOrigins: readonly string[]): Parsed<string> => {
  const u = new URL(url);
  if (!allowedOrigins.includes(u.origin)) {
    return { ok: false, violations: [{ path: 'url', message: `${u.origin} is not an allowed collector origin (THREADLINE_COLLECT_ORIGINS)` }] };
  }
  if (u.hash !== '') return { ok: false, violations: [{ path: 'url', message: `must not have a fragment: the token is put there (#${HANDOFF_FRAGMENT_PARAM}=...)` }] };
  u.hash = `${HANDOFF_FRAGMENT_PARAM}=${token}`;
  return { ok: true, value: u.toString() };
};
