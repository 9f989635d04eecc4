// Webhook subscriptions over real HTTP on both stores: made, listed, read, changed, paused, resumed, deleted and
// rotated by an admin; the secret shown only when made; other roles refused; destinations refused at save time
// unless private ones are allowed. Then SSRF at send time: a name that resolved public when saved and resolves to
// 127.0.0.1 when sent is refused by safeLookup on a real http.request, and connects when private is allowed.
import { Agent, createServer, request, type RequestOptions, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDestination, DestinationRefusedError, safeLookup, type Resolver } from '../../src/application/webhooks/index.ts';
import { signingSecrets } from '../../src/domain/webhooks/index.ts';
import { webhooksCommand } from '../../src/cli/webhooks-command.ts';
import { findSubscription, markDisabled, markFailing } from '../../src/projections/webhooks/index.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const W = '/api/v2/webhooks';
// A public address needs no DNS (this machine has none outside): an IP literal outside every refused range.
const PUBLIC_URL = 'https://93.184.216.34/threadline';

describe.each(storeTargets())('webhook subscriptions on $name', (target) => {
  let app: TestApp;
  let dev: TestApp;

  const create = async (body: Record<string, unknown>, on: TestApp = app) => on.post(W, body);
  const send = (method: string, path: string, body?: unknown) => app.request(method, path, { authorization: `Bearer test-admin-secret-0123456789abcdef0123456789` }, body);

  beforeAll(async () => {
    app = await startTestApp(target, { runner: false });
    dev = await startTestApp(target, { runner: false, config: { webhookAllowPrivate: true } });
  });
  afterAll(async () => {
    await app?.close();
    await dev?.close();
  });

  it('makes a subscription and answers its secret once, in the Standard Webhooks format', async () => {
    const res = await create({ url: PUBLIC_URL, events: ['journey.state_changed', 'journey.converted'], filter: { dealer_code: 'det001' }, description: 'CRM' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const s = res.body;
    expect(s).toMatchObject({ url: PUBLIC_URL, events: ['journey.state_changed', 'journey.converted'], filter: { dealer_code: 'DET001' }, description: 'CRM', status: 'active', failing_since: null, disabled_reason: null });
    expect(s.id).toMatch(/^wh_[0-9A-Za-z]{22}$/);
    expect(s.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(s.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    // The receiver's library takes the secret as it is and verifies what it signs.
    const wh = new Webhook(s.secret);
    const body = '{"type":"journey.created"}';
    const at = new Date();
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': wh.sign('msg_1', at, body) };
    expect(wh.verify(body, headers)).toEqual({ type: 'journey.created' });

    const list = await app.get(W);
    expect(list.status).toBe(200);
    expect(list.body.webhooks.map((w: { id: string }) => w.id)).toContain(s.id);
    const one = await app.get(`${W}/${s.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: s.id, url: PUBLIC_URL, status: 'active' });
    for (const text of [list.text, one.text]) {
      expect(text).not.toContain(s.secret);
      expect(text).not.toContain('"secret"');
    }
  });

  it('changes url, events, filter and description, checking a new url as on create', async () => {
    const { body: s } = await create({ url: PUBLIC_URL, events: ['*'] });
    const patched = await send('patch', `${W}/${s.id}`, { events: ['event.logged'], filter: { event_types: ['EMAIL_OPENED'], kind: 'outreach' }, description: 'ESP opens', url: 'https://93.184.216.35/x' });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ url: 'https://93.184.216.35/x', events: ['event.logged'], filter: { event_types: ['EMAIL_OPENED'], kind: 'outreach' }, description: 'ESP opens' });
    expect(patched.body.secret).toBeUndefined();
    const refused = await send('patch', `${W}/${s.id}`, { url: 'https://127.0.0.1/hook' });
    expect(refused.status).toBe(400);
    expect(refused.body.violations).toEqual([{ path: 'url', message: expect.stringMatching(/127\.0\.0\.1 is a loopback address/) }]);
    expect((await app.get(`${W}/${s.id}`)).body.url).toBe('https://93.184.216.35/x');
    const cleared = await send('patch', `${W}/${s.id}`, { filter: {}, description: null });
    expect(cleared.body).toMatchObject({ filter: {}, description: null, events: ['event.logged'] });
  });

  it('pauses and resumes; a resume re-enables a disabled endpoint and forgets its failing streak', async () => {
    const { body: s } = await create({ url: PUBLIC_URL, events: ['journey.created'] });
    expect((await app.post(`${W}/${s.id}/pause`, '')).body.status).toBe('paused');
    expect((await app.get(`${W}/${s.id}`)).body.status).toBe('paused');
    expect((await app.post(`${W}/${s.id}/resume`, '')).body.status).toBe('active');

    // What the dispatcher does to an endpoint that answers 410 or fails for days.
    const since = new Date(Date.now() - 3 * 86_400_000);
    await markFailing(app.rt.store.readModels, s.id, since);
    await markFailing(app.rt.store.readModels, s.id, new Date());
    await markDisabled(app.rt.store.readModels, s.id, 'failing for 3 days', new Date());
    const disabled = (await app.get(`${W}/${s.id}`)).body;
    expect(disabled).toMatchObject({ status: 'disabled', disabled_reason: 'failing for 3 days', failing_since: since.toISOString() });
    const resumed = (await app.post(`${W}/${s.id}/resume`, '')).body;
    expect(resumed).toMatchObject({ status: 'active', disabled_reason: null, failing_since: null });
  });

  it('rotates the secret: the new one shown once, both signing during the overlap, then the new one alone', async () => {
    const { body: s } = await create({ url: PUBLIC_URL, events: ['*'] });
    const before = Date.now();
    const rotated = await app.post(`${W}/${s.id}/rotate-secret`, {});
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(s.secret);
    const expires = Date.parse(rotated.body.previous_secret_expires_at);
    expect(expires - before).toBeGreaterThanOrEqual(86_400_000 - 5_000);
    expect(expires - before).toBeLessThanOrEqual(86_400_000 + 60_000);
    const shown = await app.get(`${W}/${s.id}`);
    expect(shown.body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);
    expect(shown.text).not.toContain(rotated.body.secret);
    expect(shown.text).not.toContain(s.secret);

    const stored = (await findSubscription(app.rt.store.readModels, s.id))!;
    expect(signingSecrets(stored, new Date())).toEqual([rotated.body.secret, s.secret]);
    expect(signingSecrets(stored, new Date(expires + 1))).toEqual([rotated.body.secret]);

    const now = await app.post(`${W}/${s.id}/rotate-secret`, { overlap_seconds: 0 });
    expect(now.status).toBe(200);
    expect(signingSecrets((await findSubscription(app.rt.store.readModels, s.id))!, new Date())).toEqual([now.body.secret]);
    expect((await app.post(`${W}/${s.id}/rotate-secret`, { overlap_seconds: -1 })).status).toBe(400);
  });

  it('deletes, and answers 404 not_found for an id it does not have', async () => {
    const { body: s } = await create({ url: PUBLIC_URL, events: ['*'] });
    const del = await send('delete', `${W}/${s.id}`);
    expect(del.status).toBe(204);
    for (const [method, path, body] of [
      ['get', `${W}/${s.id}`],
      ['delete', `${W}/${s.id}`],
      ['patch', `${W}/${s.id}`, { description: 'x' }],
      ['post', `${W}/${s.id}/pause`],
      ['post', `${W}/${s.id}/resume`],
      ['post', `${W}/${s.id}/rotate-secret`, {}],
      ['get', `${W}/not-an-id`],
    ] as const) {
      const res = await send(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
    expect((await app.get(W)).body.webhooks.map((w: { id: string }) => w.id)).not.toContain(s.id);
  });

  it('refuses other roles and admins bound to some dealers', async () => {
    const keyOf = async (role: string, dealers: 'all' | string[]) => (await app.post('/api/v2/admin/keys', { name: `webhooks ${role}`, role, dealers })).body.key as string;
    for (const key of [await keyOf('channel', 'all'), await keyOf('dealer', 'all'), await keyOf('analyst', 'all'), await keyOf('admin', ['DET001'])]) {
      const auth = { authorization: `Bearer ${key}` };
      expect((await app.request('get', W, auth)).status).toBe(403);
      expect((await app.request('post', W, auth, { url: PUBLIC_URL, events: ['*'] })).status).toBe(403);
    }
  });

  it('lists every violation of a bad subscription', async () => {
    const res = await create({ url: 'not a url', events: ['journey.created', 'no.such_event'], filter: { kind: 'bogus', colour: 'red' } });
    expect(res.status).toBe(400);
    const paths = res.body.violations.map((v: { path: string }) => v.path);
    expect(paths).toEqual(expect.arrayContaining(['events.1', 'filter.kind', 'filter.colour']));
    expect((await create({ url: PUBLIC_URL, events: ['*', 'journey.created'] })).status).toBe(400);
    expect((await create({ url: PUBLIC_URL, events: [] })).status).toBe(400);
    const badUrl = await create({ url: 'not a url', events: ['*'] });
    expect(badUrl.body.violations).toEqual([{ path: 'url', message: 'is not an absolute URL' }]);
  });

  it('refuses private, loopback, link-local and plain-http destinations at save time', async () => {
    const cases: [string, RegExp][] = [
      ['https://127.0.0.1/', /loopback/],
      ['https://localhost/', /loopback/],
      ['http://example.com/hook', /must be an https URL/],
      ['https://[::1]/', /loopback/],
      ['https://2130706433/', /loopback/],
      ['https://0x7f.1/', /loopback/],
      ['https://[::ffff:127.0.0.1]/', /loopback/],
      ['https://10.1.2.3/', /private/],
      ['https://192.168.0.10:8443/', /private/],
      ['https://169.254.169.254/latest/meta-data/', /metadata/],
      ['https://[fd00::1]/', /unique-local/],
      ['https://100.64.0.1/', /cgnat/],
      ['https://0.0.0.0/', /unspecified/],
      ['https://no-such-host.invalid/', /does not resolve/],
      ['ftp://93.184.216.34/', /must be an https URL/],
    ];
    for (const [url, reason] of cases) {
      const res = await create({ url, events: ['*'] });
      expect(res.status, url).toBe(400);
      expect(res.body.violations, url).toEqual([{ path: 'url', message: expect.stringMatching(reason) }]);
    }
  });

  it('lists subscriptions for an operator with `threadline webhooks list`, never their secrets', async () => {
    const { body: s } = await create({ url: PUBLIC_URL, events: ['journey.state_changed'], filter: { dealer_code: 'CHI002' }, description: 'scheduling' });
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    expect(await webhooksCommand(['list'], app.rt.store.readModels, io)).toBe(0);
    const line = out.find((l) => l.startsWith(s.id));
    expect(line).toMatch(/active {2}https:\/\/93\.184\.216\.34\/threadline {2}events=journey\.state_changed {2}dealer=CHI002 {2}"scheduling"/);
    out.length = 0;
    expect(await webhooksCommand(['list', '--json'], app.rt.store.readModels, io)).toBe(0);
    const rows = out.map((l) => JSON.parse(l));
    expect(rows.find((r) => r.id === s.id)).toMatchObject({ url: PUBLIC_URL, status: 'active', filter: { dealer_code: 'CHI002' } });
    expect(out.join('')).not.toContain('whsec_');
    expect(await webhooksCommand(['frobnicate'], app.rt.store.readModels, io)).toBe(2);
  });

  it('accepts them when private destinations are allowed (THREADLINE_WEBHOOK_ALLOW_PRIVATE=true)', async () => {
    for (const url of ['https://127.0.0.1/', 'https://localhost/', 'http://example.com/hook', 'http://127.0.0.1:9999/hook', 'http://10.1.2.3/']) {
      const res = await create({ url, events: ['*'] }, dev);
      expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(201);
      expect(res.body.url).toBe(new URL(url).href);
    }
    expect((await create({ url: 'ftp://127.0.0.1/', events: ['*'] }, dev)).status).toBe(400);
  });
});

describe('SSRF at send time: the address actually connected to', () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => new Promise((r) => server.close(r)));

  /** A name that is public when the subscription is saved and 127.0.0.1 from then on: DNS rebinding. */
  const rebinding = (): Resolver => {
    let calls = 0;
    return async () => (calls++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
  };

  // A fresh socket per request (agent: false): a pooled keep-alive socket would be reused without any lookup.
  const get = (path: string, lookup: ReturnType<typeof safeLookup> | undefined, autoSelectFamily: boolean, agent: Agent | false = false) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      // autoSelectFamily (Node's default) makes net ask the lookup for every address at once (`all: true`).
      const options: RequestOptions & { autoSelectFamily: boolean } = { host: 'hooks.rebind.test', port, path, ...(lookup ? { lookup } : {}), autoSelectFamily, agent, timeout: 5000 };
      const req = request(options, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  for (const autoSelectFamily of [true, false]) {
    it(`refuses the connect when the name now resolves to loopback (autoSelectFamily ${autoSelectFamily})`, async () => {
      const resolver = rebinding();
      const saved = await checkDestination('https://hooks.rebind.test/x', { allowPrivate: false, lookup: resolver });
      expect(saved).toMatchObject({ ok: true, addresses: ['93.184.216.34'] });
      const before = hits.length;
      const err = await get('/refused', safeLookup(false, resolver), autoSelectFamily).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DestinationRefusedError);
      expect((err as DestinationRefusedError).message).toMatch(/127\.0\.0\.1 is a loopback address/);
      expect(hits.length).toBe(before);
    });

    it(`connects through the same resolver when private destinations are allowed (autoSelectFamily ${autoSelectFamily})`, async () => {
      const resolver: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
      const res = await get('/allowed', safeLookup(true, resolver), autoSelectFamily);
      expect(res).toEqual({ status: 200, body: 'ok' });
      expect(hits).toContain('/allowed');
    });
  }

  it('refuses an answer that mixes public and private addresses, and a name that resolves nowhere', async () => {
    const mixed: Resolver = async () => [{ address: '93.184.216.34', family: 4 }, { address: '::ffff:127.0.0.1', family: 6 }];
    expect(await checkDestination('https://mixed.test/', { allowPrivate: false, lookup: mixed })).toEqual({ ok: false, reason: expect.stringMatching(/::ffff:127\.0\.0\.1 is a loopback address/) });
    await expect(get('/mixed', safeLookup(false, mixed), true)).rejects.toBeInstanceOf(DestinationRefusedError);
    const nowhere: Resolver = async () => [];
    expect(await checkDestination('https://nowhere.test/', { allowPrivate: false, lookup: nowhere })).toEqual({ ok: false, reason: 'host nowhere.test does not resolve' });
    await expect(get('/nowhere', safeLookup(false, nowhere), false)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('guards every socket of an Agent made with it', async () => {
    const agent = new Agent({ keepAlive: true, lookup: safeLookup(false, async () => [{ address: '127.0.0.1', family: 4 }]) });
    await expect(get('/agent', undefined, true, agent)).rejects.toBeInstanceOf(DestinationRefusedError);
    agent.destroy();
    const dev = new Agent({ keepAlive: true, lookup: safeLookup(true, async () => [{ address: '127.0.0.1', family: 4 }]) });
    expect(await get('/agent-dev', undefined, true, dev)).toEqual({ status: 200, body: 'ok' });
    dev.destroy();
  });
});
