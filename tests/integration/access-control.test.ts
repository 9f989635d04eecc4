// Access control over real HTTP on both stores: every route behind its scope (a matrix generated from the route
// table), API keys made, used, rolled, revoked and expired through the admin API, and per-dealer isolation on every
// object (a fixed-seed property: another dealer's objects answer as if they did not exist).
import { PUBLIC_ROUTES } from '../helpers/public-routes.ts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_SCOPES, ROLES, SCOPES, type Role } from '../../src/domain/access/index.ts';
import { ROUTES } from '../../src/api/registry.ts';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('every route declares a scope', () => {
  it('names a known scope on every route, and public only where no credentials can be asked for', () => {
    for (const r of ROUTES) expect(SCOPES, `${r.method} ${r.path}`).toContain(r.scope);
    expect(ROUTES.filter((r) => r.scope === 'public').map((r) => `${r.method} ${r.path}`).sort()).toEqual([...PUBLIC_ROUTES].sort());
  });
});

describe.each(storeTargets())('access control on $name', (target) => {
  let app: TestApp;
  const keyOf: Partial<Record<Role, string>> = {};

  const makeKey = async (role: Role, dealers: 'all' | string[], more: Record<string, unknown> = {}) => {
    const made = await app.post('/api/v2/admin/keys', { name: `${role} for tests`, role, dealers, ...more });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    return made.body as { key: string; id: string; display_prefix: string };
  };

  const send = (method: string, path: string, headers: Record<string, string>, body?: unknown) => app.request(method, path, headers, body);
  /** A stream that stays open (SSE): its status and, when refused, its problem; an open stream is closed at once. */
  const opened = async (path: string, headers: Record<string, string>) => {
    const abort = new AbortController();
    const res = await fetch(app.url + path, { headers, signal: abort.signal });
    const body = res.ok ? undefined : await res.json();
    abort.abort();
    return { status: res.status, body };
  };

  beforeAll(async () => {
    app = await startTestApp(target);
    for (const role of ROLES) keyOf[role] = (await makeKey(role, 'all')).key;
  });
  afterAll(async () => app?.close());

  describe('authentication', () => {
    it('answers 401 with WWW-Authenticate without credentials, with a mistyped key, an unknown key or another scheme', async () => {
      const valid = keyOf.dealer!;
      const mistyped = valid.slice(0, 12) + (valid[12] === 'a' ? 'b' : 'a') + valid.slice(13);
      const unknown = (await makeKey('dealer', 'all')).key;
      await app.post(`/api/v2/admin/keys/${(await app.get('/api/v2/admin/keys')).body.keys.at(-1).id}/revoke`, {});
      for (const [headers, message] of [
        [{}, /Authentication required/],
        [bearer(mistyped), /mistyped/],
        [bearer(unknown), /expired or revoked/],
        [bearer('tl_live_0000000000000000000000000000'), /mistyped|Not an API key/],
        [{ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, /Bearer/],
        [bearer('not-a-key-and-not-the-admin-secret'), /Unknown credentials/],
      ] as const) {
        const res = await send('get', `${T}/journeys`, headers);
        expect(res.status, JSON.stringify(headers)).toBe(401);
        expect(res.body.code).toBe('unauthorized');
        expect(res.body.detail).toMatch(message);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    });

    it('lets public routes through without credentials', async () => {
      expect((await send('get', '/healthz', {})).status).toBe(200);
      expect((await send('get', '/openapi.json', {})).status).toBe(200);
    });
  });

  describe('roles, deny by default (every route x every role)', () => {
    const sample = (path: string) => path.replace('{guid}', 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2').replace('{id}', 'key_0123456789abcdef');
    for (const r of ROUTES.filter((x) => x.scope !== 'public')) {
      it(`${r.method.toUpperCase()} ${r.path} (${r.scope})`, async () => {
        for (const role of ROLES) {
          const res = r.longLived ? await opened(sample(r.path), bearer(keyOf[role]!)) : await send(r.method, sample(r.path), bearer(keyOf[role]!), r.body ? {} : undefined);
          const allowed = (ROLE_SCOPES[role] as readonly string[]).includes(r.scope);
          if (allowed) expect([401, 403], `${role} should pass the gate, got ${res.status} ${JSON.stringify(res.body)}`).not.toContain(res.status);
          else {
            expect(res.status, `${role} must be refused`).toBe(403);
            expect(res.body.code).toBe('forbidden');
          }
        }
      });
    }
  });

  describe('key lifecycle', () => {
    it('shows a key once, lists it by prefix only, and records its last use', async () => {
      const made = await makeKey('channel', ['DET001'], { name: 'ESP webhook' });
      expect(made.key).toMatch(/^tl_live_[0-9A-Za-z]{28}$/);
      expect(made.key.startsWith(made.display_prefix)).toBe(true);
      const listed = (await app.get('/api/v2/admin/keys')).body.keys as Record<string, unknown>[];
      const mine = listed.find((k) => k['id'] === made.id)!;
      expect(mine).toMatchObject({ name: 'ESP webhook', role: 'channel', dealers: ['DET001'], revoked_at: null, last_used_at: null });
      expect(JSON.stringify(listed)).not.toContain(made.key);
      expect(Object.keys(mine)).not.toContain('hash');
      expect((await send('post', `${T}/generate-guid`, bearer(made.key), riskBody())).status).toBe(201);
      await app.access.authenticator.close();
      const used = (await app.get('/api/v2/admin/keys')).body.keys.find((k: { id: string }) => k.id === made.id);
      expect(used.last_used_at).not.toBeNull();
    });

    it('rolls a key: the old one dies at once, or after the grace; the new one works', async () => {
      const first = await makeKey('dealer', ['DET001']);
      const rolled = await app.post(`/api/v2/admin/keys/${first.id}/roll`, {});
      expect(rolled.status).toBe(201);
      expect(rolled.body.old.replaced_by).toBe(rolled.body.id);
      expect((await send('get', `${T}/journeys`, bearer(first.key))).status).toBe(401);
      expect((await send('get', `${T}/journeys`, bearer(rolled.body.key))).status).toBe(200);

      const graced = await app.post(`/api/v2/admin/keys/${rolled.body.id}/roll`, { grace_seconds: 3600 });
      expect((await send('get', `${T}/journeys`, bearer(rolled.body.key))).status).toBe(200);
      expect((await send('get', `${T}/journeys`, bearer(graced.body.key))).status).toBe(200);
      // A dead key cannot be rolled into a live one.
      expect((await app.post(`/api/v2/admin/keys/${first.id}/roll`, {})).status).toBe(404);
    });

    it('revokes at once and refuses an expired key', async () => {
      const k = await makeKey('analyst', 'all');
      const insights = `/api/v2/analytics/insights?start_date=2024-01-01T00:00:00Z&end_date=2025-01-01T00:00:00Z`;
      expect((await send('get', insights, bearer(k.key))).status).toBe(200);
      expect((await app.post(`/api/v2/admin/keys/${k.id}/revoke`, { reason: 'leaked in a ticket' })).body.revoked_at).not.toBeNull();
      expect((await send('get', insights, bearer(k.key))).status).toBe(401);

      const soon = await makeKey('analyst', 'all', { expires_at: new Date(Date.now() + 1500).toISOString() });
      expect((await send('get', insights, bearer(soon.key))).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1600));
      expect((await send('get', insights, bearer(soon.key))).body.detail).toMatch(/expired or revoked/);
    });

    it('keeps key management to admins with every dealer in scope', async () => {
      const narrowAdmin = await makeKey('admin', ['DET001']);
      const res = await send('post', '/api/v2/admin/keys', bearer(narrowAdmin.key), { name: 'wider', role: 'admin', dealers: 'all' });
      expect(res.status).toBe(403);
      expect((await send('get', '/api/v2/admin/quarantine', bearer(narrowAdmin.key))).status).toBe(403);
    });
  });

  describe('per-dealer isolation', () => {
    let mine: string;
    let theirs: string;
    const scoped: Partial<Record<Role, string>> = {};

    beforeAll(async () => {
      mine = (await app.post(`${T}/generate-guid`, riskBody({ dealer_code: 'DET001' }))).body.guid;
      theirs = (await app.post(`${T}/generate-guid`, riskBody({ dealer_code: 'DET002' }))).body.guid;
      for (const guid of [mine, theirs]) {
        const events = [
          { guid, event_type: 'EMAIL_SENT', channel: 'EMAIL', occurred_at: '2024-12-07T10:15:00Z' },
          { guid, event_type: 'SMS_CLICKED', channel: 'SMS', occurred_at: '2024-12-08T09:00:00Z' },
          { guid, event_type: 'PORTAL_SCHEDULE_APPOINTMENT', channel: 'PORTAL', occurred_at: '2024-12-08T10:00:00Z', details: { appointment_id: `A-${guid.slice(-6)}` } },
        ];
        expect((await app.post(`${T}/events`, { events })).body.accepted).toBe(3);
      }
      for (const role of ROLES) scoped[role] = (await makeKey(role, ['DET001'])).key;
    });

    /** Each way of touching one journey, with what a caller of the journey's dealer gets. */
    const touches = (guid: string) => [
      { name: 'read the journey', scope: 'journeys:read', run: (h: Record<string, string>) => send('get', `${T}/journey/${guid}`, h) },
      { name: 'export its audit trail', scope: 'audit:read', run: (h: Record<string, string>) => send('get', `${T}/journey/${guid}/audit`, h) },
      { name: 'log an event', scope: 'journeys:write', run: (h: Record<string, string>) => send('post', `${T}/log-event`, h, { guid, event_type: 'SMS_SENT', channel: 'SMS' }) },
      { name: 'request a transition', scope: 'journeys:write', run: (h: Record<string, string>) => send('post', `${T}/journey/${guid}/transition`, h, { to_state: 'ARRIVED' }) },
    ];

    it("answers 404 for another dealer's journey on every route, exactly as for a GUID that does not exist (property)", async () => {
      const roles = ROLES.filter((r) => r !== 'admin');
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...roles), fc.integer({ min: 0, max: 3 }), async (role, which) => {
          const theirTouch = touches(theirs)[which]!;
          const res = await theirTouch.run(bearer(scoped[role]!));
          const allowed = (ROLE_SCOPES[role] as readonly string[]).includes(theirTouch.scope);
          if (!allowed) {
            expect(res.status).toBe(403);
            return;
          }
          expect(res.status, `${role} ${theirTouch.name}: ${JSON.stringify(res.body)}`).toBe(404);
          expect(res.body.code).toBe('unknown_guid');
          // The same answer as for a journey that never existed.
          const ghost = theirs.replace(/[0-9A-F]{6}$/, 'FFFFFF');
          const none = await touches(ghost)[which]!.run(bearer(keyOf.admin!));
          expect(none.status).toBe(404);
          expect(res.body.detail.replace(theirs, 'G')).toBe(none.body.detail.replace(ghost, 'G'));
          // And the caller's own journey is there for it.
          const own = await touches(mine)[which]!.run(bearer(scoped[role]!));
          expect(own.status, `${role} on its own journey: ${JSON.stringify(own.body)}`).not.toBe(404);
        }),
        { seed: 20261201, numRuns: 40 },
      );
    });

    it('refuses to open journeys for another dealer, and answers per event in a batch', async () => {
      const channel = bearer(scoped.channel!);
      expect((await send('post', `${T}/generate-guid`, channel, riskBody({ dealer_code: 'DET002' }))).status).toBe(403);
      expect((await send('post', `${T}/conversations`, channel, { channel: 'CHAT', dealer_code: 'DET002' })).status).toBe(403);
      const batch = await send('post', `${T}/events`, channel, {
        events: [
          { guid: mine, event_type: 'SMS_SENT', channel: 'SMS' },
          { guid: theirs, event_type: 'SMS_SENT', channel: 'SMS' },
        ],
      });
      expect(batch.body.results.map((r: { status?: number; success: boolean }) => (r.success ? 201 : r.status))).toEqual([201, 404]);
      // A repeat of another dealer's risk event says it is taken, not by whom.
      const theirRisk = riskBody({ dealer_code: 'DET002' });
      await app.post(`${T}/generate-guid`, theirRisk);
      const repeat = await send('post', `${T}/generate-guid`, channel, { ...theirRisk, dealer_code: 'DET001' });
      expect(repeat.status).toBe(409);
      expect(repeat.body.guid).toBeUndefined();
    });

    it('restricts lists and reports to the dealers in scope', async () => {
      const dealer = bearer(scoped.dealer!);
      const listed = (await send('get', `${T}/journeys?limit=100`, dealer)).body.journeys.map((j: { guid: string }) => j.guid);
      expect(listed).toContain(mine);
      expect(listed).not.toContain(theirs);
      expect(listed.every((g: string) => g.split('-')[6] === 'DET001')).toBe(true);
      expect((await send('get', `${T}/journeys?dealer_code=DET002`, dealer)).body.journeys).toEqual([]);

      const window = 'start_date=2024-01-01T00:00:00Z&end_date=2025-01-01T00:00:00Z';
      const all = (await app.get(`${T}/attribution?${window}&model=linear`)).body;
      const own = (await send('get', `${T}/attribution?${window}&model=linear`, bearer(scoped.analyst!))).body;
      expect(own.conversions).toBeGreaterThan(0);
      expect(own.conversions).toBeLessThan(all.conversions);
      const predictions = (await send('get', '/api/v2/analytics/predictions?limit=100', bearer(scoped.analyst!))).body.predictions;
      expect(predictions.every((p: { guid: string }) => p.guid.split('-')[6] === 'DET001')).toBe(true);
      const insights = (await send('get', `/api/v2/analytics/insights?${window}`, bearer(scoped.analyst!))).body;
      const insightsAll = (await app.get(`/api/v2/analytics/insights?${window}`)).body;
      expect(JSON.stringify(insights)).not.toEqual(JSON.stringify(insightsAll));
    });
  });
});
