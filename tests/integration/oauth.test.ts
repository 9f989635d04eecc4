// OAuth 2.0 bearer JWTs over real HTTP against a real local JWKS server: what verifies, every way a token is refused
// (401 with WWW-Authenticate), key rotation and jose's key-set cache as observed, an unreachable identity provider,
// and the token's dealer scope applied to journeys. The embedded store only: nothing here depends on the store.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../../src/api/access/authenticator.ts';
import { createOAuthVerifier, KeySetUnavailable, type OAuthOptions } from '../../src/api/access/oauth.ts';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const INSIGHTS = '/api/v2/analytics/insights?start_date=2024-01-01T00:00:00Z&end_date=2025-01-01T00:00:00Z';
const ISSUER = 'https://idp.test/';
const AUDIENCE = 'threadline';
const SKEW_S = 30;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const nowS = () => Math.floor(Date.now() / 1000);

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

const makeKey = async (kid: string): Promise<SigningKey> => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
};

/** An identity provider's key set on 127.0.0.1: what it serves and how often it was asked can be changed and read. */
const startJwks = async (keys: JWK[]) => {
  const state = { keys, status: 200, fetches: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    state.fetches++;
    res.writeHead(state.status, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    state,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
};

/** A token as the identity provider issues it (analyst of DET001, 5 minutes), with claims overridden or (undefined) removed. */
const sign = (key: SigningKey, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) => {
  const t = nowS();
  const payload: JWTPayload = { iss: ISSUER, aud: AUDIENCE, sub: 'alice@dealer.example', iat: t, exp: t + 300, threadline_role: 'analyst', dealer_codes: ['DET001'], ...claims };
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header }).sign(key.privateKey);
};

const oauthOptions = (jwksUrl: string, over: Partial<OAuthOptions> = {}): OAuthOptions => ({
  jwksUrl,
  issuer: ISSUER,
  audience: AUDIENCE,
  roleClaim: 'threadline_role',
  dealersClaim: 'dealer_codes',
  clockSkewMs: SKEW_S * 1000,
  ...over,
});

const target = storeTargets()[0]!;

describe(`OAuth bearer tokens on ${target.name}`, () => {
  let app: TestApp;
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  let keyA: SigningKey;
  /** Another key pair published nowhere, under key A's kid. */
  let impostor: SigningKey;

  beforeAll(async () => {
    keyA = await makeKey('key-a');
    impostor = await makeKey('key-a');
    jwks = await startJwks([keyA.jwk]);
    app = await startTestApp(target, { access: { oauth: oauthOptions(jwks.url) } });
  });
  afterAll(async () => {
    await app?.close();
    await jwks?.close();
  });

  const refusal = async (token: string) => {
    const res = await app.get(`${T}/journeys`, bearer(token));
    return { status: res.status, code: res.body?.code, detail: res.body?.detail as string, challenge: res.headers.get('www-authenticate') };
  };

  it('lets a valid token in with its role: an analyst reads insights (200) but not journeys (403)', async () => {
    const token = await sign(keyA);
    const insights = await app.get(INSIGHTS, bearer(token));
    expect(insights.status, JSON.stringify(insights.body)).toBe(200);
    const journeys = await app.get(`${T}/journeys`, bearer(token));
    expect(journeys.status).toBe(403);
    expect(journeys.body.code).toBe('forbidden');
    expect(journeys.body.detail).toMatch(/analyst role/);
  });

  it('refuses every bad token with 401 unauthorized, a Bearer challenge, and the reason', async () => {
    const t = nowS();
    const spki = await exportSPKI(keyA.publicKey);
    const hmac = (secret: string | Uint8Array) =>
      new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory', iat: t, exp: t + 300, threadline_role: 'admin', dealer_codes: '*' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: keyA.kid })
        .sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);
    const unsigned = (header: object, signature = '') => `${b64url(header)}.${b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory', iat: t, exp: t + 300, threadline_role: 'admin', dealer_codes: '*' })}.${signature}`;

    const cases: [string, string, RegExp][] = [
      ['wrong issuer', await sign(keyA, { iss: 'https://evil.test/' }), /ERR_JWT_CLAIM_VALIDATION_FAILED/],
      ['issuer without its trailing slash', await sign(keyA, { iss: 'https://idp.test' }), /ERR_JWT_CLAIM_VALIDATION_FAILED/],
      ['wrong audience', await sign(keyA, { aud: 'another-app' }), /ERR_JWT_CLAIM_VALIDATION_FAILED/],
      ['expired beyond the skew', await sign(keyA, { iat: t - 600, exp: t - SKEW_S - 30 }), /ERR_JWT_EXPIRED/],
      ['nbf in the future beyond the skew', await sign(keyA, { nbf: t + SKEW_S + 60 }), /ERR_JWT_CLAIM_VALIDATION_FAILED/],
      ['no exp at all', await sign(keyA, { exp: undefined }), /ERR_JWT_CLAIM_VALIDATION_FAILED/],
      ['signed by another key under the same kid', await sign(impostor), /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/],
      ['a valid signature over another payload', (await sign(keyA)).replace(/\.[^.]+\./, `.${b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory', exp: t + 300, threadline_role: 'admin', dealer_codes: '*' })}.`), /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/],
      ['alg none, unsigned', unsigned({ alg: 'none' }), /ERR_JOSE_ALG_NOT_ALLOWED/],
      ['alg none with the kid and a junk signature', unsigned({ alg: 'none', typ: 'JWT', kid: keyA.kid }, 'c2lnbmF0dXJl'), /ERR_JOSE_ALG_NOT_ALLOWED/],
      ['alg NONE', unsigned({ alg: 'NONE' }), /ERR_JOSE_ALG_NOT_ALLOWED/],
      ['HS256 keyed with the public modulus', await hmac(keyA.jwk.n!), /ERR_JOSE_ALG_NOT_ALLOWED/],
      ['HS256 keyed with the decoded modulus', await hmac(Buffer.from(keyA.jwk.n!, 'base64url')), /ERR_JOSE_ALG_NOT_ALLOWED/],
      ['HS256 keyed with the public key PEM', await hmac(spki), /ERR_JOSE_ALG_NOT_ALLOWED/],
      ['HS256 keyed with any string', await hmac('any string at all'), /ERR_JOSE_ALG_NOT_ALLOWED/],
      ['an unknown role', await sign(keyA, { threadline_role: 'superuser' }), /threadline_role claim names no Threadline role/],
      ['a role under another claim name', await sign(keyA, { threadline_role: undefined, role: 'admin' }), /threadline_role claim names no Threadline role/],
      ['no dealers claim', await sign(keyA, { dealer_codes: undefined }), /dealer_codes claim must be/],
      ['no sub', await sign(keyA, { sub: undefined }), /no subject/],
      ['a kid the key set does not have', await sign({ ...keyA, kid: 'key-unknown' }), /ERR_JWKS_NO_MATCHING_KEY/],
      ['garbage with two dots', 'a.b.c', /ERR_JWS_INVALID/],
      ['base64url garbage with two dots', `${b64url('{"alg":"RS256"')}.${b64url('[]')}.`, /ERR_JWS_INVALID|ERR_JWT_INVALID/],
    ];
    for (const [name, token, reason] of cases) {
      const r = await refusal(token);
      expect(r.status, name).toBe(401);
      expect(r.code, name).toBe('unauthorized');
      expect(r.challenge, name).toMatch(/^Bearer realm="threadline"/);
      expect(r.detail, name).toMatch(reason);
    }
  });

  it('accepts a token expired, or not yet valid, within the clock skew', async () => {
    const t = nowS();
    for (const claims of [{ iat: t - 600, exp: t - SKEW_S + 10 }, { nbf: t + SKEW_S - 10 }]) {
      const res = await app.get(INSIGHTS, bearer(await sign(keyA, claims)));
      expect(res.status, JSON.stringify(claims)).toBe(200);
    }
  });

  it('sends only three-part credentials to the verifier, and keeps the admin secret working beside OAuth', async () => {
    const token = await sign(keyA);
    const [h, p, s] = token.split('.');
    expect((await refusal(`${h}.${p}`)).detail).toBe('Unknown credentials');
    expect((await refusal(`${h}.${p}.${s}.x`)).detail).toBe('Unknown credentials');
    expect((await refusal('a.b.c')).detail).toMatch(/does not verify/);
    expect((await app.get(`${T}/journeys`)).status).toBe(200);
  });

  it('does not look at a JWT when OAuth is not configured', async () => {
    const authenticator = createAuthenticator(app.rt.store.readModels, { adminSecret: null, oauth: null, keyCacheTtlMs: 1000 });
    try {
      const fetches = jwks.state.fetches;
      expect(await authenticator.authenticate(`Bearer ${await sign(keyA)}`)).toEqual({ ok: false, reason: 'Unknown credentials' });
      expect(jwks.state.fetches).toBe(fetches);
    } finally {
      await authenticator.close();
    }
  });

  describe('dealer scope from the token', () => {
    let mine: string;
    let theirs: string;
    beforeAll(async () => {
      const a = await app.post(`${T}/generate-guid`, riskBody({ dealer_code: 'DET001' }));
      const b = await app.post(`${T}/generate-guid`, riskBody({ dealer_code: 'DET002' }));
      expect([a.status, b.status]).toEqual([201, 201]);
      mine = a.body.guid;
      theirs = b.body.guid;
    });

    it("lets a dealer token for DET001 read DET001's journey (200) and answers DET002's as if it did not exist (404)", async () => {
      const token = await sign(keyA, { sub: 'portal-user-7', threadline_role: 'dealer', dealer_codes: ['DET001'] });
      const read = await app.get(`${T}/journey/${mine}`, bearer(token));
      expect(read.status, JSON.stringify(read.body)).toBe(200);
      expect(read.body.guid).toBe(mine);
      const other = await app.get(`${T}/journey/${theirs}`, bearer(token));
      expect(other.status).toBe(404);
      expect(other.body.code).toBe('unknown_guid');
      // The same journey for a token of DET002, and for one of every dealer.
      expect((await app.get(`${T}/journey/${theirs}`, bearer(await sign(keyA, { threadline_role: 'dealer', dealer_codes: ['DET002'] })))).status).toBe(200);
      expect((await app.get(`${T}/journey/${theirs}`, bearer(await sign(keyA, { threadline_role: 'dealer', dealer_codes: '*' })))).status).toBe(200);
    });

    it('lists only its dealers\' journeys and may not open a journey for another dealer (403)', async () => {
      const token = await sign(keyA, { threadline_role: 'dealer', dealer_codes: ['DET001'] });
      const list = await app.get(`${T}/journeys?limit=100`, bearer(token));
      expect(list.status, JSON.stringify(list.body)).toBe(200);
      const guids = (list.body.journeys as { guid: string }[]).map((j) => j.guid);
      expect(guids).toContain(mine);
      expect(guids).not.toContain(theirs);
      const write = await app.post(`${T}/generate-guid`, riskBody({ dealer_code: 'DET002' }), bearer(token));
      expect(write.status).toBe(403);
      expect(write.body.code).toBe('forbidden');
    });
  });

  it('honours a sub-second clock skew as given instead of rounding it to whole seconds', async () => {
    // Date frozen 200 ms into a second: a token whose exp is this second expired 200 ms ago, inside a 400 ms skew.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Math.floor(Date.now() / 1000) * 1000 + 200);
      const verify = createOAuthVerifier(oauthOptions(jwks.url, { clockSkewMs: 400 }));
      expect(await verify(await sign(keyA, { exp: nowS() }))).toMatchObject({ ok: true });
      expect(await verify(await sign(keyA, { exp: nowS() - 1 }))).toEqual({ ok: false, reason: 'The token does not verify (ERR_JWT_EXPIRED)' });
    } finally {
      vi.useRealTimers();
    }
  });
});

// jose's remote key set, as observed here: a fetch caches the set for 10 minutes (cacheMaxAge); a token naming a kid
// the cache lacks refetches it, but not within 30 s (cooldownDuration) of the last fetch. The clock is faked (Date
// only) so that these minutes pass at once; a fresh app, so that no earlier test has fetched the set.
describe(`OAuth key rotation and the key-set cache on ${target.name}`, () => {
  let app: TestApp;
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  let keyA: SigningKey;
  let keyB: SigningKey;
  let t0: number;
  const at = (ms: number) => vi.setSystemTime(t0 + ms);
  const status = async (key: SigningKey, claims: Record<string, unknown> = {}) => (await app.get(INSIGHTS, bearer(await sign(key, claims)))).status;

  beforeAll(async () => {
    keyA = await makeKey('2026-a');
    keyB = await makeKey('2026-b');
    jwks = await startJwks([keyA.jwk]);
    app = await startTestApp(target, { runner: false, access: { oauth: oauthOptions(jwks.url) } });
    vi.useFakeTimers({ toFake: ['Date'] });
    t0 = Date.now();
  });
  afterEach(() => {
    jwks.state.status = 200;
  });
  afterAll(async () => {
    vi.useRealTimers();
    await app?.close();
    await jwks?.close();
  });

  it('fetches the key set once, on the first token, and then serves from its cache', async () => {
    expect(jwks.state.fetches).toBe(0);
    at(0);
    expect(await status(keyA)).toBe(200);
    expect(await status(keyA)).toBe(200);
    expect(jwks.state.fetches).toBe(1);
  });

  it('refuses a new kid within 30 s of the last fetch without fetching again, however many unknown kids come', async () => {
    jwks.state.keys = [keyA.jwk, keyB.jwk];
    at(10_000);
    expect(await status(keyB)).toBe(401);
    for (let i = 0; i < 5; i++) expect(await status({ ...keyA, kid: `random-${i}` })).toBe(401);
    at(29_000);
    expect(await status(keyB)).toBe(401);
    expect(jwks.state.fetches).toBe(1);
  });

  it('refetches on an unknown kid once the cooldown has passed: the rotated key verifies, the old one still does', async () => {
    at(31_000);
    expect(await status(keyB)).toBe(200);
    expect(jwks.state.fetches).toBe(2);
    expect(await status(keyA)).toBe(200);
    expect(await status(keyB)).toBe(200);
    expect(jwks.state.fetches).toBe(2);
  });

  it('keeps verifying a key the identity provider has withdrawn until the cache is 10 minutes old', async () => {
    jwks.state.keys = [keyB.jwk];
    at(31_000 + 9 * 60_000);
    expect(await status(keyA)).toBe(200);
    expect(jwks.state.fetches).toBe(2);
    at(31_000 + 10 * 60_000 + 1000);
    expect(await status(keyA)).toBe(401);
    expect(await status(keyB)).toBe(200);
    expect(jwks.state.fetches).toBe(3);
  });

  it('answers 503 auth_unavailable with Retry-After, not 401, when the cache is stale and the identity provider fails; recovers when it is back', async () => {
    at(31_000 + 21 * 60_000);
    jwks.state.status = 503;
    const down = await app.get(INSIGHTS, bearer(await sign(keyB)));
    expect(down.status).toBe(503);
    expect(down.body.code).toBe('auth_unavailable');
    expect(down.headers.get('retry-after')).toBe('5');
    // No stale keys are served while it is down: every request asks again.
    expect(await status(keyB)).toBe(503);
    expect(jwks.state.fetches).toBe(5);
    jwks.state.status = 200;
    expect(await status(keyB)).toBe(200);
    expect(jwks.state.fetches).toBe(6);
  });
});

describe('an unreachable identity provider', () => {
  it('is an infrastructure failure the verifier throws (with the cause), not a refused token', async () => {
    const gone = await startJwks([]);
    const url = gone.url;
    await gone.close();
    const key = await makeKey('k');
    const verify = createOAuthVerifier(oauthOptions(url));
    const failure = await verify(await sign(key)).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KeySetUnavailable);
    expect((failure as Error).message).toContain(url);
    expect((failure as Error).cause).toBeDefined();
  });

  it('is the same for a key set that is not one', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": "none"}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const verify = createOAuthVerifier(oauthOptions(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`));
      await expect(verify(await sign(await makeKey('k')))).rejects.toBeInstanceOf(KeySetUnavailable);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
