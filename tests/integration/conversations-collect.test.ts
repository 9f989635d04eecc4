// The web-view hand-off and the collect endpoint on both stores, over real HTTP: a hand-off token (and nothing else)
// lets a page append web-view events to its one journey, each stored once; a token that is expired, tampered with,
// signed with another key or made for something else is a 401 that stores nothing; CORS only for the web views' origins.
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHandoffSecret } from '../../src/projections/conversations/index.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const PAGE = 'https://forms.example.com';
const CATEGORIES = { department: 'service', query_nature: 'booking', language: 'en', priority: 'high' };
const NO_KEY = { authorization: '' };

describe.each(storeTargets())('the web-view hand-off and collector on $name', (target) => {
  let app: TestApp;
  let seq = 0;

  const openConversation = async (dealer = 'DET001') => {
    const res = await app.post(`${T}/conversations`, { channel: 'CHAT', dealer_code: dealer, platform: 'webchat', categories: CATEGORIES });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.guid as string;
  };
  const handoff = (guid: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => app.post(`${T}/journey/${guid}/handoff`, body, headers);
  const tokenFor = async (guid: string, webview = 'booking-flow') => {
    const res = await handoff(guid, { webview_id: webview, context: { intent: 'book_service' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.token as string;
  };
  /** Collects as a page would: no API key, the token in the body, the page's origin. */
  const collect = (body: unknown, { origin = PAGE, type = 'application/json' }: { origin?: string | null; type?: string } = {}) =>
    app.request('post', '/api/v2/collect', { 'content-type': type, ...(origin ? { origin } : {}) }, typeof body === 'string' ? body : JSON.stringify(body));
  const ev = (type: string, more: Record<string, unknown> = {}) => ({ id: `c-${process.pid}-${++seq}`, type, at: new Date().toISOString(), ...more });
  const webviewEvents = async (guid: string) => {
    const j = await app.get(`${T}/journey/${guid}`);
    expect(j.status).toBe(200);
    return (j.body.events as { event_type: string; channel: string; event_id: string; details: Record<string, unknown>; actor: unknown; occurred_at: string }[]).filter(
      (e) => e.channel === 'WEBVIEW',
    );
  };
  const sign = (claims: Record<string, unknown>, key: Uint8Array, { aud = 'threadline:collect', exp = Math.floor(Date.now() / 1000) + 600 } = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('threadline').setAudience(aud).setIssuedAt().setJti('test-jti').setExpirationTime(exp).sign(key);

  beforeAll(async () => {
    app = await startTestApp(target, { config: { collectOrigins: [PAGE] } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('hands off with a signed token carrying the journey, web view, categories, intent and a webview:append scope', async () => {
    const guid = await openConversation();
    const res = await handoff(guid, { webview_id: 'booking-flow', url: `${PAGE}/book?step=1`, ttl_seconds: 900, context: { intent: 'book_service' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const claims = decodeJwt(res.body.token);
    expect(claims).toMatchObject({ guid, webview_id: 'booking-flow', categories: CATEGORIES, intent: 'book_service', scope: 'webview:append', iss: 'threadline', aud: 'threadline:collect' });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(typeof claims.jti).toBe('string');
    expect(res.body.expires_at).toBe(new Date(claims.exp! * 1000).toISOString());
    // The token travels in the fragment, which no browser sends to a server.
    expect(res.body.url).toBe(`${PAGE}/book?step=1#tl_token=${res.body.token}`);
    expect((await handoff(guid, { webview_id: 'booking-flow' })).body.url).toBeNull();
  });

  it('refuses a hand-off to another origin, a URL with a fragment, a TTL out of bounds, a journey that is not there or not yours', async () => {
    const guid = await openConversation();
    const foreign = await handoff(guid, { webview_id: 'w', url: 'https://evil.example.net/x' });
    expect(foreign.status).toBe(400);
    expect(foreign.body.violations).toEqual([expect.objectContaining({ path: 'url', message: expect.stringContaining('https://evil.example.net') })]);
    expect((await handoff(guid, { webview_id: 'w', url: `${PAGE}/#/route` })).body.violations[0].path).toBe('url');
    expect((await handoff(guid, { webview_id: 'w', ttl_seconds: 10 })).status).toBe(400);
    expect((await handoff(guid, { webview_id: 'w', ttl_seconds: 5 * 3600 })).status).toBe(400);
    expect((await handoff(guid, { webview_id: 'no spaces allowed' })).status).toBe(400);
    expect((await handoff('FORD-2024-12-07-CNV-CHT-DET001-000000', { webview_id: 'w' })).body.code).toBe('unknown_guid');
    const other = await app.post('/api/v2/admin/keys', { name: 'other dealer', role: 'dealer', dealers: ['OTH001'] });
    const asOther = await handoff(guid, { webview_id: 'w' }, { authorization: `Bearer ${other.body.key}` });
    expect([asOther.status, asOther.body.code]).toEqual([404, 'unknown_guid']);
    expect((await handoff(guid, { webview_id: 'w' }, NO_KEY)).status).toBe(401);
  });

  it('stores every collected event once on the token\u2019s journey, without an API key; a resend answers duplicates', async () => {
    const guid = await openConversation();
    const token = await tokenFor(guid);
    const events = [
      ev('open', { url: `${PAGE}/book?email=sam%40example.com#tl_token=${token}` }),
      ev('step', { name: 'vehicle', index: 0, props: { model: 'F-150', year: 2021 } }),
      ev('step', { name: 'slot', index: 1 }),
      ev('escalate', { name: 'slot', reason: 'no slots this week' }),
      ev('exit', { name: 'slot', reason: 'closed' }),
    ];
    const first = await collect({ token, events });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ guid, stored: 5, duplicates: 0 });
    const again = await collect({ token, events });
    expect(again.body).toMatchObject({ guid, stored: 0, duplicates: 5 });
    expect(again.body.results.map((r: { status: string }) => r.status)).toEqual(Array(5).fill('duplicate'));

    const stored = await webviewEvents(guid);
    expect(stored.map((e) => e.event_type)).toEqual(['WEBVIEW_OPENED', 'WEBVIEW_STEP', 'WEBVIEW_STEP', 'ESCALATION_REQUESTED', 'WEBVIEW_EXIT']);
    expect(stored.map((e) => e.event_id)).toEqual(events.map((e) => `wv:booking-flow:${e.id}`));
    expect(stored.every((e) => (e.actor as { type: string }).type === 'customer')).toBe(true);
    // Neither the query (it may hold what is not ours to keep) nor the fragment (the token) is stored.
    expect(stored[0]!.details).toEqual({ webview_id: 'booking-flow', url: `${PAGE}/book`, intent: 'book_service' });
    expect(stored[1]!.details).toEqual({ webview_id: 'booking-flow', step: 'vehicle', step_index: 0, props: { model: 'F-150', year: 2021 } });
    expect(stored[3]!.details).toEqual({ reason: 'customer_request', webview_id: 'booking-flow', step: 'slot', note: 'no slots this week' });
    expect(stored[4]!.details).toEqual({ webview_id: 'booking-flow', step: 'slot', reason: 'closed' });
    expect(stored[1]!.occurred_at).toBe(events[1]!.at);
    expect((await app.get(`${T}/journey/${guid}`)).body.summary.current_state).toBe('PENDING_AGENT');
  });

  it('reads a text/plain body (what sendBeacon sends) and corrects a wrong device clock by sent_at', async () => {
    const guid = await openConversation();
    const token = await tokenFor(guid);
    // The device's clock is two hours ahead; the event waited 30 s in its queue.
    const skew = 2 * 3600_000;
    const at = new Date(Date.now() + skew - 30_000).toISOString();
    const res = await collect(JSON.stringify({ token, sent_at: new Date(Date.now() + skew).toISOString(), events: [ev('complete', { result: 'booked', at })] }), { type: 'text/plain;charset=UTF-8' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [done] = await webviewEvents(guid);
    expect(done!.event_type).toBe('WEBVIEW_COMPLETED');
    expect(Math.abs(Date.parse(done!.occurred_at) - (Date.now() - 30_000))).toBeLessThan(10_000);
    // Without sent_at the same time is beyond the allowed skew: refused, nothing stored.
    expect((await collect({ token, events: [ev('step', { name: 'x', at })] })).status).toBe(400);
    expect((await collect('<xml/>', { type: 'application/xml' })).status).toBe(415);
    expect((await collect('{"token":', { type: 'text/plain' })).body.code).toBe('malformed_json');
  });

  it('answers 401 and stores nothing for an expired, tampered, foreign-key, wrongly scoped or wrong-audience token', async () => {
    const guid = await openConversation();
    const token = await tokenFor(guid);
    const key = app.rt.handoffKey;
    const claims = { guid, webview_id: 'booking-flow', categories: {}, scope: 'webview:append' };
    const [h, p, s] = token.split('.') as [string, string, string];
    const flip = (x: string, i: number) => x.slice(0, i) + (x[i] === 'A' ? 'B' : 'A') + x.slice(i + 1);
    const refused: [string, string, string][] = [
      [await sign(claims, key, { exp: Math.floor(Date.now() / 1000) - 60 }), 'handoff_token_expired', 'expired'],
      [`${h}.${flip(p, 10)}.${s}`, 'handoff_token_invalid', 'signature'],
      [`${h}.${p}.${flip(s, 5)}`, 'handoff_token_invalid', 'signature'],
      [await sign(claims, new TextEncoder().encode('another-key-0123456789abcdef0123456789')), 'handoff_token_invalid', 'signature'],
      [await sign({ ...claims, scope: 'journeys:write' }, key), 'handoff_token_invalid', 'scope'],
      [await sign(claims, key, { aud: 'threadline:api' }), 'handoff_token_invalid', 'audience'],
      // Unsigned (alg none): only HS256 with this server's key is accepted.
      [`${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`, 'handoff_token_invalid', 'signature'],
      ['not-a-jwt', 'handoff_token_invalid', 'malformed'],
    ];
    for (const [bad, code, reason] of refused) {
      const res = await collect({ token: bad, events: [ev('open'), ev('step', { name: 'vehicle' })] });
      expect([res.status, res.body.code, res.body.reason], bad).toEqual([401, code, reason]);
    }
    // An API key is no substitute: the collector never takes one.
    const withKey = await app.request('post', '/api/v2/collect', { authorization: `Bearer ${'test-admin-secret-0123456789abcdef0123456789'}`, origin: PAGE }, { token: 'x', events: [ev('open')] });
    expect(withKey.status).toBe(401);
    expect(await webviewEvents(guid)).toEqual([]);
  });

  it('appends only to the token\u2019s own journey: no body field names another, and a token for a journey that is not there is a 404', async () => {
    const mine = await openConversation();
    const theirs = await openConversation();
    const token = await tokenFor(mine);
    const res = await collect({ token, guid: theirs, events: [ev('open')] });
    expect(res.status).toBe(400);
    expect(res.body.violations).toEqual([{ path: 'guid', message: 'unknown field' }]);
    const ghost = await sign({ guid: 'FORD-2024-12-07-CNV-CHT-DET001-000000', webview_id: 'w', categories: {}, scope: 'webview:append' }, app.rt.handoffKey);
    expect((await collect({ token: ghost, events: [ev('open')] })).body.code).toBe('unknown_guid');
    expect(await webviewEvents(mine)).toEqual([]);
    expect(await webviewEvents(theirs)).toEqual([]);
  });

  it('allows CORS for the web views\u2019 origins only, preflight included; other origins get no CORS headers and are refused', async () => {
    const guid = await openConversation();
    const token = await tokenFor(guid);
    const preflight = (origin: string) =>
      app.request('options', '/api/v2/collect', { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
    const ok = await preflight(PAGE);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    const no = await preflight('https://evil.example.net');
    expect(no.headers.get('access-control-allow-origin')).toBeNull();
    expect(no.headers.get('access-control-allow-methods')).toBeNull();

    const allowed = await collect({ token, events: [ev('open')] });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PAGE);
    const denied = await collect({ token, events: [ev('step', { name: 'vehicle' })] }, { origin: 'https://evil.example.net' });
    expect([denied.status, denied.headers.get('access-control-allow-origin')]).toEqual([403, null]);
    // The page's origin may send to the collector, and nowhere else.
    const elsewhere = await app.request('get', `${T}/journey/${guid}`, { origin: PAGE });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect((await webviewEvents(guid)).map((e) => e.event_type)).toEqual(['WEBVIEW_OPENED']);
  });

  it('enforces its limits before any work: events per request, props, body size; a bad event refuses the whole request', async () => {
    const guid = await openConversation();
    const token = await tokenFor(guid);
    const many = await collect({ token, events: Array.from({ length: 51 }, () => ev('open')) });
    expect([many.status, many.body.violations[0].path]).toEqual([400, 'events']);
    const bigProps = await collect({ token, events: [ev('step', { name: 'a', props: { blob: 'x'.repeat(500), b: 'x'.repeat(500), c: 'x'.repeat(500), d: 'x'.repeat(500), e: 'x'.repeat(200) } })] });
    expect([bigProps.status, bigProps.body.violations[0].path]).toEqual([400, 'events.0.props']);
    expect((await collect({ token, events: [ev('step', { name: 'a', props: { nested: { no: 1 } } })] })).status).toBe(400);
    const huge = await collect({ token, events: [ev('open')], pad: 'x'.repeat(70 * 1024) });
    expect([huge.status, huge.body.code]).toEqual([413, 'payload_too_large']);
    const mixed = await collect({ token, events: [ev('step', { name: 'ok' }), ev('step', {}), ev('teleport')] });
    expect(mixed.status).toBe(400);
    expect(mixed.body.violations.map((v: { path: string }) => v.path)).toEqual(expect.arrayContaining(['events.1.name', 'events.2.type']));
    expect(await webviewEvents(guid)).toEqual([]);
  });

  it('serves collector.js for any page: JavaScript, cacheable, under 5 KB gzipped', async () => {
    const raw = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: Buffer }>((resolve, reject) => {
      const req = httpRequest(`${app.url}/collector.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(raw.headers['cache-control']).toBe('public, max-age=3600');
    expect(raw.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(raw.bytes.length).toBeLessThan(5 * 1024);
    const source = readFileSync(new URL('../../collector/collector.js', import.meta.url));
    expect(gzipSync(source, { level: 9 }).length).toBeLessThan(5 * 1024);
    const plain = await app.request('get', '/collector.js', { 'accept-encoding': 'identity' });
    expect(plain.headers.get('content-encoding')).toBeNull();
  });

  it('keeps one hand-off key for every process: made once, stored, and the configured one wins', async () => {
    expect(await resolveHandoffSecret(app.rt.store.readModels, null)).toEqual(app.rt.handoffKey);
    expect(Buffer.from(await resolveHandoffSecret(app.rt.store.readModels, 'configured-handoff-secret-0123456789ab')).toString()).toBe('configured-handoff-secret-0123456789ab');
  });
});
