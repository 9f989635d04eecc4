// Hand-off tokens as JWTs (HS256, jose) with the server's hand-off key: what the chat gives the web view, and what the
// collect endpoint accepts in place of any credential. Expected failures are values with their problem code.
import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { HANDOFF_AUDIENCE, HANDOFF_ISSUER, HANDOFF_SCOPE, handoffClaims, type HandoffClaims, type HandoffGrant } from '../../domain/conversations/index.ts';

export interface SignedHandoff {
  token: string;
  claims: HandoffClaims;
}

export const signHandoffToken = async (key: Uint8Array, grant: HandoffGrant, now: Date, ttlSeconds: number): Promise<SignedHandoff> => {
  const iat = Math.floor(now.getTime() / 1000);
  const claims: HandoffClaims = { ...grant, scope: HANDOFF_SCOPE, jti: randomUUID(), iat, exp: iat + ttlSeconds };
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(HANDOFF_ISSUER)
    .setAudience(HANDOFF_AUDIENCE)
    .sign(key);
  return { token, claims };
};

export type HandoffVerdict =
  | { ok: true; claims: HandoffClaims }
  | { ok: false; code: 'handoff_token_expired' | 'handoff_token_invalid'; reason: 'expired' | 'malformed' | 'signature' | 'issuer' | 'audience' | 'scope' | 'claims'; message: string };

const invalid = (reason: Exclude<Extract<HandoffVerdict, { ok: false }>['reason'], 'expired'>, message: string): HandoffVerdict => ({ ok: false, code: 'handoff_token_invalid', reason, message });

/** Checks signature (this server's key, HS256 only), issuer, audience, expiry, then the claims' shape and scope. */
export const verifyHandoffToken = async (key: Uint8Array, token: string, now: Date): Promise<HandoffVerdict> => {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: HANDOFF_ISSUER, audience: HANDOFF_AUDIENCE, currentDate: now, requiredClaims: ['exp', 'iat', 'jti'] }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, code: 'handoff_token_expired', reason: 'expired', message: 'The hand-off token has expired; the chat must hand off again for a new one' };
    if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('signature', 'The hand-off token\u2019s signature does not match: tampered with, or signed with another key');
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'aud') return invalid('audience', `The token is not for ${HANDOFF_AUDIENCE}`);
      if (error.claim === 'iss') return invalid('issuer', 'The token was not issued by Threadline');
      return invalid('claims', `The token's ${error.claim} claim is not acceptable: ${error.reason}`);
    }
    if (error instanceof errors.JOSEAlgNotAllowed) return invalid('signature', 'The token is not signed with HS256');
    if (error instanceof errors.JOSEError) return invalid('malformed', 'Not a hand-off token (a signed JWT)');
    throw error;
  }
  const parsed = handoffClaims.safeParse(payload);
  if (!parsed.success) {
    const scopeWrong = parsed.error.issues.some((i) => i.path[0] === 'scope');
    return scopeWrong ? invalid('scope', `The token's scope is not ${HANDOFF_SCOPE}`) : invalid('claims', 'The token lacks the hand-off claims (guid, webview_id, categories)');
  }
  return { ok: true, claims: parsed.data };
};
