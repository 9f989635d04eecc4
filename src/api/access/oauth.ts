// OAuth 2.0 bearer tokens: JWTs from the company's identity provider, verified against its JWKS (issuer, audience,
// expiry with a clock tolerance, an asymmetric algorithm only: never `none`, never an HMAC a public key could forge).
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { isRole, type Principal } from '../../domain/access/index.ts';
import type { Authentication } from '../http/deps.ts';

export interface OAuthOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  roleClaim: string;
  dealersClaim: string;
  clockSkewMs: number;
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

const DEALER_CODE = /^[A-Z0-9]{1,16}$/;

/** The principal a verified token stands for, or why it stands for none. */
export const principalOfClaims = (payload: JWTPayload, o: Pick<OAuthOptions, 'roleClaim' | 'dealersClaim'>): Authentication => {
  const role = payload[o.roleClaim];
  if (!isRole(role)) return { ok: false, reason: `The token's ${o.roleClaim} claim names no Threadline role` };
  const dealers = payload[o.dealersClaim];
  let scope: Principal['dealers'];
  if (dealers === '*') scope = 'all';
  else if (Array.isArray(dealers) && dealers.length > 0 && dealers.every((d) => typeof d === 'string' && DEALER_CODE.test(d))) scope = dealers as string[];
  else return { ok: false, reason: `The token's ${o.dealersClaim} claim must be "*" or a list of dealer codes` };
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : null;
  if (!sub) return { ok: false, reason: 'The token has no subject' };
  return { ok: true, principal: { via: 'oauth', id: sub, label: `oauth:${sub}`, role, dealers: scope } };
};

/** The identity provider's key set could not be fetched or read: an infrastructure failure, not a bad token. */
/** The identity provider failed, not the token: answered 503 auth_unavailable (the catalogue's code), never 401. */
export class KeySetUnavailable extends Error {
  readonly code = 'auth_unavailable';
}

export const createOAuthVerifier = (o: OAuthOptions) => {
  // jose caches the key set for 10 minutes and refetches it early when a token names a key it does not know (key
  // rotation), at most once per 30 s cooldown (tests/integration/oauth.test.ts shows both).
  const remote = createRemoteJWKSet(new URL(o.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  // Only "no key has this kid and alg" is about the token; any other failure here is the identity provider being
  // unreachable, slow or publishing nonsense, which must not answer 401 (clients would drop good tokens) nor go unlogged.
  const keys: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported) throw error;
      throw new KeySetUnavailable(`The OAuth key set at ${o.jwksUrl} could not be fetched or read`, { cause: error });
    }
  };
  return async (token: string): Promise<Authentication> => {
    try {
      // exp is required: there is no revoking a JWT, so one without an expiry would be good forever.
      const { payload } = await jwtVerify(token, keys, { issuer: o.issuer, audience: o.audience, clockTolerance: o.clockSkewMs / 1000, algorithms: ALGORITHMS, requiredClaims: ['exp'] });
      return principalOfClaims(payload, o);
    } catch (error) {
      if (error instanceof KeySetUnavailable) throw error;
      const code = (error as { code?: string }).code ?? 'ERR_JWT_INVALID';
      return { ok: false, reason: `The token does not verify (${code})` };
    }
  };
};
