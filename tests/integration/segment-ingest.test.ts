// Segment-compatible ingest over real HTTP on both stores: the real @segment/analytics-node client pointed at
// Threadline with a channel key as its write key, then the journey read back; the same messages again stored once;
// a bad write key refused; another dealer's journey not written; and each endpoint fetched raw with Basic auth.
import { gzipSync } from 'node:zlib';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEGMENT_LIMITS } from '../../src/domain/segment/index.ts';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });
const NO_SUCH = 'FORD-2024-12-07-BAT-CRT-DET001-FFFFFF';

describe.each(storeTargets())('Segment ingest on $name', (target) => {
  let app: TestApp;
  let writeKey: string;
  let guid: string;
  let theirs: string;

  const makeKey = async (role: string, dealers: 'all' | string[]) => {
    const made = await app.post('/api/v2/admin/keys', { name: `segment ${role}`, role, dealers });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    return made.body.key as string;
  };
  const openJourney = async (dealer_code: string) => {
    const res = await app.post(`${T}/generate-guid`, riskBody({ dealer_code }));
    expect(res.status).toBe(201);
    return res.body.guid as string;
  };
  const send = (path: string, body: unknown, headers: Record<string, string> = basic(writeKey)) => app.request('post', path, headers, body);
  /** The journey's events, read as the admin (a channel key reads nothing back). */
  const eventsOf = async (g: string) => {
    const res = await app.get(`${T}/journey/${g}`);
    expect(res.status).toBe(200);
    return res.body.events as any[];
  };
  /** A client of Threadline as an app configures it for Segment, with every HTTP answer it got. */
  const client = (key: string) => {
    const analytics = new Analytics({ writeKey: key, host: app.url, path: '/v1/batch', flushAt: 20, flushInterval: 50, maxRetries: 2 });
    const statuses: number[] = [];
    const bodies: string[] = [];
    const errors: unknown[] = [];
    analytics.on('http_request', (r) => bodies.push(r.body));
    analytics.on('http_response', (r) => statuses.push(r.status));
    analytics.on('error', (e) => errors.push(e));
    return { analytics, statuses, bodies, errors };
  };

  beforeAll(async () => {
    app = await startTestApp(target);
    writeKey = await makeKey('channel', ['DET001']);
    guid = await openJourney('DET001');
    theirs = await openJourney('DET002');
  });
  afterAll(async () => app?.close());

  describe('the real analytics-node 3.1.0 client', () => {
    const when = { track: new Date('2024-12-08T09:00:00.000Z'), identify: new Date('2024-12-08T09:00:01.000Z'), page: new Date('2024-12-08T09:00:02.500Z') };
    const sendAll = async (key: string) => {
      const c = client(key);
      const delivered: (unknown | undefined)[] = [];
      const done = (err: unknown) => delivered.push(err);
      c.analytics.track({ userId: 'cust-42', event: 'Order Completed', properties: { guid, order_id: 'o-1', total: 129.5 }, timestamp: when.track, messageId: 'seg-track-1' }, done);
      c.analytics.identify({ userId: 'cust-42', traits: { guid, email: 'customer@example.com' }, timestamp: when.identify, messageId: 'seg-identify-1' }, done);
      c.analytics.page({ anonymousId: 'anon-7', name: 'Booking', category: 'Service', properties: { guid, url: 'https://dealer.example/book' }, timestamp: when.page, messageId: 'seg-page-1' }, done);
      c.analytics.track({ userId: 'cust-42', event: 'Email Opened', properties: { guid: theirs, message_id: 'm-9' }, messageId: 'seg-theirs-1' }, done);
      await c.analytics.closeAndFlush();
      return { ...c, delivered };
    };

    it('sends one batch Threadline answers 200, and the events land with their ids, times, types and details', async () => {
      const c = await sendAll(writeKey);
      expect(c.statuses).toEqual([200]);
      expect(c.errors).toEqual([]);
      expect(c.delivered).toEqual([undefined, undefined, undefined, undefined]);
      // What the client sent: one /v1/batch body with the write key and sentAt beside the messages.
      const sent = JSON.parse(c.bodies[0]!);
      expect(Object.keys(sent).sort()).toEqual(['batch', 'sentAt', 'writeKey']);
      expect(sent.batch.map((m: any) => m.type)).toEqual(['track', 'identify', 'page', 'track']);

      const events = await eventsOf(guid);
      const byId = Object.fromEntries(events.map((e) => [e.event_id, e]));
      expect(Object.keys(byId).sort()).toEqual(['seg-identify-1', 'seg-page-1', 'seg-track-1']);
      expect(byId['seg-track-1']).toMatchObject({
        event_type: 'ORDER_COMPLETED',
        channel: 'WEBVIEW',
        occurred_at: when.track.toISOString(),
        user_id: 'cust-42',
        actor: { type: 'customer', id: 'cust-42' },
        details: { order_id: 'o-1', total: 129.5, _segment: { type: 'track', event: 'Order Completed', context: { library: { name: '@segment/analytics-node', version: '3.1.0' } } } },
      });
      expect(byId['seg-identify-1']).toMatchObject({ event_type: 'USER_IDENTIFIED', channel: 'SYSTEM', occurred_at: when.identify.toISOString(), details: { email: 'customer@example.com' } });
      expect(byId['seg-page-1']).toMatchObject({ event_type: 'PAGE_VIEWED', channel: 'WEBVIEW', occurred_at: when.page.toISOString(), session_id: 'anon-7', user_id: null, details: { url: 'https://dealer.example/book', _segment: { name: 'Booking', category: 'Service' } } });
      // The write key the client put in the body is stored nowhere.
      expect(JSON.stringify(events)).not.toContain(writeKey);
      expect(JSON.stringify(events)).not.toContain('nodeVersion');
    });

    it("does not write another dealer's journey (the same as a journey that does not exist)", async () => {
      expect(await eventsOf(theirs)).toEqual([]);
    });

    it('stores the same messages once when they come again', async () => {
      const before = await eventsOf(guid);
      const c = await sendAll(writeKey);
      expect(c.statuses).toEqual([200]);
      const after = await eventsOf(guid);
      expect(after.map((e) => e.event_id).sort()).toEqual(before.map((e) => e.event_id).sort());
      expect(after).toHaveLength(3);
    });

    it('is refused with a bad write key: the client reports the failure and nothing is stored', async () => {
      const before = (await eventsOf(guid)).length;
      const c = client('tl_live_not-a-real-key');
      const delivered: unknown[] = [];
      c.analytics.track({ userId: 'u', event: 'Refused', properties: { guid }, messageId: 'seg-refused-1' }, (err) => delivered.push(err));
      await c.analytics.closeAndFlush();
      expect(c.statuses).toEqual([401]);
      expect(delivered).toHaveLength(1);
      expect(String((delivered[0] as { reason?: unknown })?.reason ?? delivered[0])).toMatch(/401/);
      expect(await eventsOf(guid)).toHaveLength(before);
    });
  });

  it("is retried by the client after a 429 with Retry-After, and stored once", async () => {
    const tight = await startTestApp(target, { access: { rateLimits: { default: { quota: 1e6, windowMs: 1000 }, guid: { quota: 1e6, windowMs: 1000 }, batch: { quota: 1, windowMs: 1000 }, export: { quota: 1e6, windowMs: 1000 } } } });
    try {
      const made = await tight.post('/api/v2/admin/keys', { name: 'segment', role: 'channel', dealers: ['DET001'] });
      const g = (await tight.post(`${T}/generate-guid`, riskBody())).body.guid as string;
      // The batch budget of this second is spent, so the client's first attempt is refused.
      await fetch(`${tight.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', ...basic(made.body.key) }, body: JSON.stringify({ batch: [] }) });
      const analytics = new Analytics({ writeKey: made.body.key, host: tight.url, path: '/v1/batch', flushAt: 1, flushInterval: 50 });
      const statuses: number[] = [];
      analytics.on('http_response', (r) => statuses.push(r.status));
      analytics.track({ userId: 'u', event: 'Retried', properties: { guid: g }, messageId: 'seg-retry-1' });
      await analytics.closeAndFlush();
      expect(statuses).toEqual([429, 200]);
      expect((await tight.get(`${T}/journey/${g}`)).body.events.map((e: any) => e.event_id)).toEqual(['seg-retry-1']);
    } finally {
      await tight.close();
    }
  });

  describe('each endpoint, fetched raw with Basic auth', () => {
    it('POST /v1/track, /v1/identify and /v1/page answer 200 {success, event_id}, a repeat duplicate: true', async () => {
      const g = await openJourney('DET001');
      const calls: [string, Record<string, unknown>, string][] = [
        ['/v1/track', { event: 'Service Booked', userId: 'c-1', properties: { guid: g, slot: 'am' }, messageId: 'raw-track-1', timestamp: '2024-12-08T10:00:00Z' }, 'SERVICE_BOOKED'],
        ['/v1/identify', { userId: 'c-1', traits: { guid: g, name: 'Ada' }, messageId: 'raw-identify-1', timestamp: '2024-12-08T10:00:01Z' }, 'USER_IDENTIFIED'],
        ['/v1/page', { anonymousId: 'a-1', name: 'Home', properties: { guid: g }, messageId: 'raw-page-1', timestamp: '2024-12-08T10:00:02Z' }, 'PAGE_VIEWED'],
      ];
      for (const [path, body] of calls) {
        expect(await send(path, body), path).toMatchObject({ status: 200, body: { success: true, event_id: body['messageId'] } });
        const again = await send(path, body);
        expect(again.body, path).toEqual({ success: true, event_id: body['messageId'], duplicate: true });
      }
      const events = await eventsOf(g);
      expect(events.map((e) => [e.event_id, e.event_type])).toEqual(calls.map(([, b, type]) => [b['messageId'], type]));
    });

    it('POST /v1/batch stores the valid messages and names each refused one, in order', async () => {
      const g = await openJourney('DET001');
      const res = await send('/v1/batch', {
        sentAt: new Date().toISOString(),
        context: { traits: { guid: g } },
        batch: [
          { type: 'track', event: 'Quote Viewed', messageId: 'b-1', userId: 'c-1' },
          { type: 'track', event: 'Quote Viewed', messageId: 'b-2', properties: { guid: NO_SUCH } },
          { type: 'track', event: 'Quote Viewed', messageId: 'b-3', properties: { guid: theirs } },
          { type: 'group', groupId: 'acme', messageId: 'b-4' },
          { type: 'track', messageId: 'b-5', properties: { guid: g } },
          { type: 'screen', name: 'Offers', messageId: 'b-6' },
          { type: 'track', event: 'Quote Viewed', messageId: 'b-1', userId: 'c-1' },
          { type: 'track', event: 'Big', messageId: 'b-8', properties: { pad: 'x'.repeat(SEGMENT_LIMITS.messageBytes) } },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: false, accepted: 3, rejected: 5 });
      const summary = res.body.results.map((r: any) => [r.index, r.message_id, r.status, r.code ?? null]);
      expect(summary).toEqual([
        [0, 'b-1', 201, null],
        [1, 'b-2', 404, 'unknown_guid'],
        [2, 'b-3', 404, 'unknown_guid'],
        [3, 'b-4', 400, 'validation_failed'],
        [4, 'b-5', 400, 'validation_failed'],
        [5, 'b-6', 201, null],
        [6, 'b-1', 200, null],
        [7, 'b-8', 413, 'payload_too_large'],
      ]);
      // Another dealer's journey reads exactly as one that does not exist.
      expect(res.body.results[2].detail.replace(theirs, 'G')).toBe(res.body.results[1].detail.replace(NO_SUCH, 'G'));
      expect(res.body.results[4].violations).toEqual([{ path: 'batch.4.event', message: expect.any(String) }]);
      expect(res.body.results[6].duplicate).toBe(true);
      expect((await eventsOf(g)).map((e) => e.event_id)).toEqual(['b-1', 'b-6']);
      expect(await eventsOf(theirs)).toEqual([]);
    });

    it('takes a gzip-compressed batch (analytics-node 3.1.0 sends plain JSON; other Segment libraries may compress)', async () => {
      const g = await openJourney('DET001');
      const body = gzipSync(JSON.stringify({ batch: [{ type: 'track', event: 'Zipped', properties: { guid: g }, messageId: 'gz-1' }] }));
      const res = await fetch(`${app.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...basic(writeKey) }, body });
      expect(res.status).toBe(200);
      expect((await eventsOf(g)).map((e) => e.event_type)).toEqual(['ZIPPED']);
    });

    it("corrects a client clock by the batch's sentAt", async () => {
      const g = await openJourney('DET001');
      const now = Date.now();
      // The client clock is 3 h behind the server's: it says it sent at now-3h what happened a minute before that.
      const res = await send('/v1/batch', { sentAt: new Date(now - 3 * 3_600_000).toISOString(), batch: [{ type: 'track', event: 'Late Clock', properties: { guid: g }, messageId: 'clock-1', timestamp: new Date(now - 3 * 3_600_000 - 60_000).toISOString() }] });
      expect(res.body.accepted).toBe(1);
      const [e] = await eventsOf(g);
      const correctedBy = e.details._segment.clock_correction_ms;
      expect(correctedBy).toBeGreaterThanOrEqual(3 * 3_600_000);
      expect(correctedBy).toBeLessThan(3 * 3_600_000 + 10_000);
      expect(Date.parse(e.occurred_at)).toBe(now - 3 * 3_600_000 - 60_000 + correctedBy);
    });

    it('answers a bad single message with its problem: 400 no GUID, 404 no journey or another dealer\'s, 413 over 32 KB', async () => {
      const noGuid = await send('/v1/track', { event: 'X', properties: {} });
      expect(noGuid.status).toBe(400);
      expect(noGuid.body).toMatchObject({ code: 'validation_failed', violations: [{ path: 'properties.guid' }] });
      const unknown = await send('/v1/track', { event: 'X', properties: { guid: NO_SUCH } });
      const other = await send('/v1/track', { event: 'X', properties: { guid: theirs } });
      expect([unknown.status, other.status]).toEqual([404, 404]);
      expect(other.body.detail.replace(theirs, 'G')).toBe(unknown.body.detail.replace(NO_SUCH, 'G'));
      const big = await send('/v1/page', { properties: { guid, pad: 'x'.repeat(SEGMENT_LIMITS.messageBytes) } });
      expect(big.status).toBe(413);
      expect(big.body.code).toBe('payload_too_large');
      expect((await send('/v1/identify', { type: 'track', traits: { guid } })).status).toBe(400);
      expect(await eventsOf(theirs)).toEqual([]);
    });

    it('answers 400 for a malformed body and 413 for a batch over 500 KB, storing nothing', async () => {
      const g = await openJourney('DET001');
      expect((await send('/v1/batch', '{"batch": [')).body.code).toBe('malformed_json');
      expect((await send('/v1/batch', { batch: 'not a list' })).body.code).toBe('validation_failed');
      expect((await send('/v1/track', '[1, 2]')).body.code).toBe('validation_failed');
      const message = (i: number) => ({ type: 'track', event: 'Filler', messageId: `big-${i}`, properties: { guid: g, pad: 'x'.repeat(20_000) } });
      const big = await send('/v1/batch', { batch: Array.from({ length: 26 }, (_, i) => message(i)) });
      expect(big.status).toBe(413);
      expect(big.body).toMatchObject({ code: 'payload_too_large', limit: SEGMENT_LIMITS.batchBytes });
      expect(await eventsOf(g)).toEqual([]);
    });

    it('refuses a bad write key with 401, and Basic credentials that are not an API key', async () => {
      const dealerWide = await makeKey('analyst', 'all');
      expect((await send('/v1/track', { event: 'X', properties: { guid } }, basic('tl_live_AAAAAAAAAAAAAAAAAAAAAA000000'))).status).toBe(401);
      expect((await send('/v1/track', { event: 'X', properties: { guid } }, { authorization: `Basic ${Buffer.from('user:password').toString('base64')}` })).status).toBe(401);
      // A key whose role lacks journeys:write is a 403, as on every other route.
      expect((await send('/v1/track', { event: 'X', properties: { guid } }, basic(dealerWide))).status).toBe(403);
    });
  });
});
