// The server-sent events stream over real HTTP on both stores: journey envelopes in log order with their cursors as
// ids, filters, dealer isolation, resume with Last-Event-ID (no gap, no repeat, also while events keep coming),
// heartbeats, a client too slow to read ended and resumed losing nothing, and 200 streams beside other requests.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/http/app.ts';
import { createStreamRoute, type StreamRouteOptions } from '../../src/api/live/index.ts';
import { ROUTES } from '../../src/api/registry.ts';
import { openSse, type SseMessage, type SseStream } from '../helpers/sse-reader.ts';
import { riskBody, startTestApp, TEST_ADMIN_SECRET, testAppConfig, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_SECRET}` };
const json = (m: SseMessage) => JSON.parse(m.data) as { id: string; type: string; guid: string; dealer_code: string; data: Record<string, any> };
const hasEvent = (eventId: string) => (s: SseStream) => s.messages.some((m) => json(m).data['event_id'] === eventId);
const ids = (s: SseStream) => s.messages.map((m) => m.id);

/** The same runtime and access behind a second app whose stream route has other options (short heartbeats, ...). */
const appWithStream = async (app: TestApp, options: Partial<StreamRouteOptions>) => {
  const routes = [...ROUTES.filter((r) => r.path !== '/api/v2/stream'), createStreamRoute(options)];
  const built = buildApp(
    {
      store: app.rt.store,
      db: app.rt.db,
      projections: app.rt.projections,
      config: testAppConfig({ validateResponses: true }),
      access: app.access,
      channels: { secret: app.rt.channelSecret, providers: { twilioAuthToken: null, sendgridPublicKey: null, mailgunSigningKey: null }, portalSessionTtlMs: 60_000 },
      collector: { handoffKey: app.rt.handoffKey },
      logger: pino({ level: 'silent' }),
    },
    routes as typeof ROUTES,
  );
  const server: Server = await new Promise((resolve) => {
    const s = built.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
};

describe.each(storeTargets())('the live stream on $name', (target) => {
  let app: TestApp;
  let n = 0;
  const streams: SseStream[] = [];
  const open = async (query = '', headers: Record<string, string> = ADMIN, base?: string, options?: { paused?: boolean }) => {
    const s = await openSse(`${base ?? app.url}/api/v2/stream${query}`, headers, options);
    streams.push(s);
    return s;
  };
  const journey = async (dealer_code = 'DET001') => {
    const res = await app.post(`${T}/generate-guid`, riskBody({ dealer_code }));
    expect(res.status).toBe(201);
    return res.body.guid as string;
  };
  const log = async (guid: string, event_type: string, details: Record<string, unknown> = {}) => {
    const event_id = `live-${++n}`;
    const res = await app.post(`${T}/log-event`, { guid, event_id, event_type, channel: event_type.split('_')[0], details });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return event_id;
  };

  beforeAll(async () => {
    // The real in-flight budget (THREADLINE_MAX_IN_FLIGHT's default): open streams must not hold it.
    app = await startTestApp(target, { inFlight: testAppConfig().inFlight });
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await app?.close();
  });

  it('sends each envelope with its cursor as id, its type as event and its JSON on one data line, from now on', async () => {
    const before = await journey();
    await app.rt.projections.catchUp();
    const s = await open();
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toBe('text/event-stream');
    expect(s.headers.get('cache-control')).toBe('no-cache');
    expect(s.headers.get('x-accel-buffering')).toBe('no');
    const guid = await journey();
    await log(guid, 'SMS_SENT');
    // A line break in a string travels escaped in the one data line, and comes back as it was sent.
    const last = await log(guid, 'SMS_CLICKED', { comment: 'first line\nsecond\r\nthird\rend' });
    await s.until(hasEvent(last), 10_000, 'the click');
    await s.until((x) => x.messages.some((m) => json(m).type === 'journey.state_changed' && json(m).data['new_state'] === 'ENGAGED'));
    expect(s.retry).toBe(2000);
    expect(s.messages.some((m) => json(m).guid === before)).toBe(false);
    expect(s.messages.map((m) => m.event)).toEqual(['journey.created', 'event.logged', 'journey.state_changed', 'event.logged', 'journey.state_changed']);
    for (const m of s.messages) {
      expect(m.dataLines).toBe(1);
      expect(m.id).toMatch(/^\d+-\d+$/);
      expect(json(m)).toMatchObject({ type: m.event, guid, dealer_code: 'DET001' });
      expect(json(m).id).toMatch(/^msg_[0-9a-f]{24}$/);
    }
    const cursors = s.messages.map((m) => m.id.split('-').map(Number) as [number, number]);
    for (let i = 1; i < cursors.length; i++) expect(cursors[i]![0] > cursors[i - 1]![0] || (cursors[i]![0] === cursors[i - 1]![0] && cursors[i]![1] > cursors[i - 1]![1])).toBe(true);
    expect(json(s.messages[2]!).data).toMatchObject({ previous_state: 'CREATED', new_state: 'CONTACTED', channel: 'SMS' });
    expect(json(s.messages[3]!).data['details']).toEqual({ comment: 'first line\nsecond\r\nthird\rend' });
    expect(json(s.messages[4]!).data).toMatchObject({ previous_state: 'CONTACTED', new_state: 'ENGAGED', channel: 'SMS' });
  });

  it('sends only the events and the journey asked for', async () => {
    const [g1, g2] = [await journey(), await journey()];
    // Their creation is in the outbox before the streams start "now".
    await app.rt.projections.catchUp();
    const changes = await open('?events=journey.state_changed,journey.converted');
    const one = await open(`?guid=${g1}`);
    const kind = await open('?kind=conversation');
    await log(g2, 'SMS_SENT');
    await log(g1, 'EMAIL_SENT');
    await log(g2, 'SMS_CLICKED');
    // The last write matches every filter but the kind's, so that nothing unwanted can still be on its way after it.
    const last = await log(g1, 'EMAIL_CLICKED');
    await one.until(hasEvent(last));
    await changes.until((s) => s.messages.filter((m) => m.event === 'journey.state_changed').length === 4);
    expect(changes.messages.map((m) => [json(m).guid, json(m).data['new_state']])).toEqual([[g2, 'CONTACTED'], [g1, 'CONTACTED'], [g2, 'ENGAGED'], [g1, 'ENGAGED']]);
    expect(one.messages.map((m) => m.event)).toEqual(['event.logged', 'journey.state_changed', 'event.logged', 'journey.state_changed']);
    expect(one.messages.every((m) => json(m).guid === g1)).toBe(true);
    expect(kind.messages).toEqual([]);
    const bad = await open('?events=journey.exploded');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.problem)).toMatchObject({ code: 'validation_failed' });
  });

  it("gives a dealer's key only its dealers' envelopes, and refuses what it may not see", async () => {
    const made = await app.post('/api/v2/admin/keys', { name: 'dealer portal', role: 'dealer', dealers: ['DET001'] });
    expect(made.status).toBe(201);
    const key = { authorization: `Bearer ${made.body.key as string}` };
    const mine = await open('', key);
    const theirsAsAdmin = await open('?dealer_code=det002');
    const [ours, theirs] = [await journey('DET001'), await journey('DET002')];
    await log(theirs, 'SMS_SENT');
    const last = await log(ours, 'SMS_SENT');
    await mine.until(hasEvent(last));
    await theirsAsAdmin.until((s) => s.messages.length === 3);
    expect(new Set(mine.messages.map((m) => json(m).guid))).toEqual(new Set([ours]));
    expect(theirsAsAdmin.messages.every((m) => json(m).guid === theirs)).toBe(true);

    expect((await open('?dealer_code=DET002', key)).status).toBe(403);
    expect((await open('?dealer_code=DET001,DET002', key)).status).toBe(403);
    const hidden = await open(`?guid=${theirs}`, key);
    expect([hidden.status, JSON.parse(hidden.problem).code]).toEqual([404, 'unknown_guid']);
    const channel = await app.post('/api/v2/admin/keys', { name: 'sms gateway', role: 'channel', dealers: ['DET001'] });
    expect((await open('', { authorization: `Bearer ${channel.body.key as string}` })).status).toBe(403);
    expect((await open('', {})).status).toBe(401);
  });

  it('resumes after Last-Event-ID with no gap and no repeat, also while events keep coming', async () => {
    const guid = await journey();
    // Both start "now": with the journey's creation already in the outbox, the same now.
    await app.rt.projections.catchUp();
    const witness = await open();
    const first = await open();
    const sent: string[] = [];
    for (let i = 0; i < 6; i++) sent.push(await log(guid, 'EMAIL_OPENED'));
    await first.until(hasEvent(sent[5]!));
    first.close();
    const lastId = first.messages.at(-1)!.id;
    // Written while it is away, and while it comes back.
    for (let i = 0; i < 5; i++) sent.push(await log(guid, 'EMAIL_OPENED'));
    const writing = (async () => {
      for (let i = 0; i < 15; i++) sent.push(await log(guid, 'EMAIL_OPENED'));
    })();
    const back = await open('', { ...ADMIN, 'last-event-id': lastId });
    const byQuery = await open(`?last_event_id=${lastId}&events=event.logged`);
    // The header is newer than the URL (EventSource keeps the URL it was opened with).
    const both = await open(`?last_event_id=${witness.messages[0]?.id ?? lastId}`, { ...ADMIN, 'last-event-id': lastId });
    await writing;
    const end = sent.at(-1)!;
    for (const s of [witness, back, byQuery, both]) await s.until(hasEvent(end), 15_000, 'the last event');
    expect([...ids(first), ...ids(back)]).toEqual(ids(witness));
    expect(ids(both)).toEqual(ids(back));
    const after = witness.messages.slice(witness.messages.findIndex((m) => m.id === lastId) + 1);
    expect(ids(byQuery)).toEqual(after.filter((m) => m.event === 'event.logged').map((m) => m.id));
    expect(new Set(ids(back)).size).toBe(ids(back).length);
    // Before the first position there is: the journey's whole history, then live.
    const history = await open(`?guid=${guid}&last_event_id=-1-0`);
    await history.until(hasEvent(end));
    expect(history.messages[0]!.event).toBe('journey.created');
    expect(ids(history).slice(1)).toEqual(witness.messages.filter((m) => json(m).guid === guid).map((m) => m.id));

    for (const bad of ['abc', '12', '1-2-3', '1e3-0']) {
      const h = await open('', { ...ADMIN, 'last-event-id': bad });
      expect([h.status, JSON.parse(h.problem).code], bad).toEqual([400, 'validation_failed']);
      expect((await open(`?last_event_id=${encodeURIComponent(bad)}`)).status, bad).toBe(400);
    }
  });

  it('sends a heartbeat comment on idle streams', async () => {
    const quick = await appWithStream(app, { heartbeatMs: 50 });
    try {
      const s = await open('', ADMIN, quick.url);
      await s.until((x) => x.comments.filter((c) => c === 'ping').length >= 3, 5000, 'three pings');
      s.close();
    } finally {
      await quick.close();
    }
  });

  it('ends the stream of a client that stops reading, which then resumes losing nothing', async () => {
    // A page is written in one go, so a healthy client is briefly a page behind: the limit is some pages.
    const small = await appWithStream(app, { maxPending: 100, pageSize: 20, lingerMs: 300 });
    try {
      const guid = await journey();
      const reader = await open('?events=event.logged', ADMIN, small.url);
      const stuck = await open('?events=event.logged', ADMIN, small.url, { paused: true });
      // About 10 MB of envelopes: more than the loopback socket buffers hold for a client that reads nothing.
      const blob = 'x'.repeat(16_000);
      let last = '';
      for (let b = 0; b < 12; b++) {
        const events = Array.from({ length: 50 }, () => ({ guid, event_id: (last = `bulk-${++n}`), event_type: 'PORTAL_ADD_NOTE', channel: 'PORTAL', details: { blob } }));
        const res = await app.post(`${T}/events`, { events });
        expect(res.body.accepted).toBe(50);
      }
      await reader.until(hasEvent(last), 30_000, 'everything, on the client that reads');
      expect(reader.messages).toHaveLength(600);
      stuck.resume();
      await stuck.until((s) => s.ended, 10_000, 'the slow stream to end');
      expect(stuck.messages.length).toBeGreaterThan(0);
      expect(stuck.messages.length).toBeLessThan(600);
      const resumed = await open('?events=event.logged', { ...ADMIN, 'last-event-id': stuck.messages.at(-1)!.id }, small.url);
      await resumed.until(hasEvent(last), 15_000, 'the rest');
      expect([...ids(stuck), ...ids(resumed)]).toEqual(ids(reader));
    } finally {
      await small.close();
    }
  }, 90_000);

  it('serves 1,000 streams at once, all told of one event, while other requests are answered', async () => {
    const guid = await journey();
    const many: SseStream[] = [];
    // More streams than THREADLINE_MAX_IN_FLIGHT: each gives its slot back once it is set up.
    for (let i = 0; i < 1000; i += 25) many.push(...(await Promise.all(Array.from({ length: 25 }, () => open('?events=event.logged')))));
    expect(many.every((s) => s.status === 200)).toBe(true);
    const one = await log(guid, 'SMS_SENT');
    await Promise.all(many.map((s) => s.until(hasEvent(one), 20_000, 'the event')));
    expect(many.every((s) => s.messages.length === 1)).toBe(true);
    const other = await app.get(`${T}/journey/${guid}`);
    expect(other.status).toBe(200);
    // A stream is in the audit trail once it is open, not only once it ends.
    const from = new Date(Date.now() - 600_000).toISOString();
    const openedStreams = async () => {
      const audit = await app.get(`/api/v2/audit?from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}`);
      return audit.text.split('\n').filter((l) => l.includes('"GET /api/v2/stream"') && l.includes('"status":200')).length;
    };
    // The trail is written in batches (every 20 ms here).
    for (let i = 0; i < 50 && (await openedStreams()) < 1000; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await openedStreams()).toBeGreaterThanOrEqual(1000);
    for (const s of many) s.close();
  }, 60_000);
});
