// The SMS channel over real HTTP on both stores: prepare (short links, the opt-out line, SMS_SENT), the short-link
// redirect, Twilio's inbound webhook signed as Twilio signs it (matching, classification, opt-out and opt-in,
// routing, redelivery, unmatched replies and attaching them), its status callback, and what a bad or missing
// signature gets; then, on PGlite, fuzzing of the redirect and the webhook.
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactHash } from '../../src/application/channels/index.ts';
import { catalogueEntry } from '../../src/domain/journeys/index.ts';
import { isSuppressed } from '../../src/projections/channels/index.ts';
import { narrow } from '../../src/projections/runner/read-model-db.ts';
import { riskBody, startTestApp, TEST_PROVIDERS, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const SEED = 20261216;
const T = '/api/v2/tracking';
const SMS = '/api/v2/channels/sms';
/** What the test apps' THREADLINE_PUBLIC_URL is: the URL Twilio would have called, so the one it signs. */
const PUBLIC_URL = 'http://localhost';
const TOKEN = TEST_PROVIDERS.twilioAuthToken;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

let numberSeq = 0;
/** A fresh E.164 number for each scenario, so that matching by number finds only that scenario's journeys. */
const newNumber = () => `+1${2_000_000_000 + ((process.pid % 1000) * 100_000 + numberSeq++)}`;
const newSid = () => `SM${randomBytes(16).toString('hex')}`;

/** Twilio's documented algorithm: the URL, then each field name and value sorted by name, HMAC-SHA1, base64. */
const handRolledSignature = (token: string, url: string, params: Record<string, string>) =>
  createHmac('sha1', token)
    .update(Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], url))
    .digest('base64');

/** A request as a browser or Twilio sends it: exactly these headers, redirects not followed. */
const raw = async (app: TestApp, method: string, path: string, headers: Record<string, string> = {}, body?: string) => {
  const res = await fetch(app.url + path, { method, headers, body, redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
};

const inbound = (from: string, body: string, sid = newSid()) => ({ MessageSid: sid, SmsSid: sid, AccountSid: `AC${'0'.repeat(32)}`, From: from, To: '+13135550100', Body: body, NumMedia: '0', NumSegments: '1', ApiVersion: '2010-04-01' });

const postTwilio = (app: TestApp, path: string, params: Record<string, string>, signature: string | null = twilio.getExpectedTwilioSignature(TOKEN, PUBLIC_URL + path, params)) =>
  raw(app, 'POST', path, { ...FORM, ...(signature === null ? {} : { 'x-twilio-signature': signature }) }, new URLSearchParams(params).toString());

describe.each(storeTargets())('SMS channel on $name', (target) => {
  let app: TestApp;
  const eventsOf = async (guid: string) => {
    const res = await app.get(`${T}/journey/${guid}?events_limit=500`);
    expect(res.status).toBe(200);
    return { events: res.body.events as any[], state: res.body.summary.current_state as string };
  };
  const poll = async <V>(read: () => Promise<V>, done: (v: V) => boolean): Promise<V> => {
    for (let i = 0; i < 200; i++) {
      const v = await read();
      if (done(v)) return v;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('timed out waiting');
  };
  const openJourney = async (phone: string | null, dealer_code = 'DET001') => {
    const res = await app.post(`${T}/generate-guid`, riskBody({ dealer_code, ...(phone ? { customer: { phone } } : {}) }));
    expect(res.status).toBe(201);
    return res.body.guid as string;
  };
  const prepare = (body: Record<string, unknown>) => app.post(`${SMS}/prepare`, body);
  const hashOf = (phone: string) => contactHash(app.rt.channelSecret, 'phone', phone);
  const suppressed = async (phone: string) => {
    await app.rt.projections.catchUp();
    return isSuppressed(narrow(app.rt.db), 'DET001', 'SMS', hashOf(phone));
  };
  const expectCatalogued = (events: any[]) => {
    for (const e of events) {
      const entry = catalogueEntry(e.event_type);
      if (entry) expect(entry.details.safeParse(e.details).success, `${e.event_type} ${JSON.stringify(e.details)}`).toBe(true);
    }
  };

  beforeAll(async () => {
    app = await startTestApp(target);
  });
  afterAll(async () => app?.close());

  describe('prepare and short links', () => {
    let guid: string;
    let phone: string;
    let prepared: any;

    beforeAll(async () => {
      phone = newNumber();
      guid = await openJourney(null);
      const res = await prepare({ guid, to: phone, text: 'Your battery recall: https://dealer.example/recall?vin=1 or book at https://dealer.example/book.', message_id: 'msg-1' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      prepared = res.body;
    });

    it('shortens every URL, appends the opt-out line, and records SMS_SENT and the number', async () => {
      expect(prepared.message_id).toBe('msg-1');
      expect(prepared.links.map((l: any) => l.url)).toEqual(['https://dealer.example/recall?vin=1', 'https://dealer.example/book']);
      for (const l of prepared.links) expect(l.code).toMatch(/^[A-Za-z0-9]{10}$/);
      const [a, b] = prepared.links.map((l: any) => `${PUBLIC_URL}/s/${l.code}`);
      expect(prepared.text).toBe(`Your battery recall: ${a} or book at ${b}.\nReply STOP-${guid.slice(0, 8)} to opt out`);
      const { events, state } = await eventsOf(guid);
      expect(state).toBe('CONTACTED');
      const sent = events.find((e) => e.event_type === 'SMS_SENT');
      expect(sent).toMatchObject({ event_id: 'sms:msg-1:sent', channel: 'SMS', details: { message_id: 'msg-1', provider: 'threadline', segments: 1 } });
      expect(events.find((e) => e.event_type === 'CONTACT_POINT_ADDED')?.details).toEqual({ kind: 'phone', hash: hashOf(phone) });
      expectCatalogued(events);
    });

    it('answers the same text and codes to a retry of the same message, and stores SMS_SENT once', async () => {
      const again = await prepare({ guid, to: phone, text: 'Your battery recall: https://dealer.example/recall?vin=1 or book at https://dealer.example/book.', message_id: 'msg-1' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(prepared);
      expect((await eventsOf(guid)).events.filter((e) => e.event_type === 'SMS_SENT')).toHaveLength(1);
      const other = await prepare({ guid, to: phone, text: 'Another https://dealer.example/other', message_id: 'msg-1' });
      expect(other.status).toBe(422);
      expect(other.body.code).toBe('idempotency_key_reused');
    });

    it("redirects a known code to its URL and records SMS_CLICKED in the background; HEAD is a machine's click", async () => {
      const [recall, book] = prepared.links;
      const get = await raw(app, 'GET', `/s/${recall.code}`, { 'user-agent': 'curl/8.5.0' });
      expect(get.status).toBe(302);
      expect(get.headers.get('location')).toBe(recall.url);
      expect(get.headers.get('cache-control')).toBe('no-store');
      const head = await raw(app, 'HEAD', `/s/${book.code}`);
      expect(head.status).toBe(302);
      expect(head.headers.get('location')).toBe(book.url);
      const { events } = await poll(() => eventsOf(guid), (j) => j.events.filter((e) => e.event_type === 'SMS_CLICKED').length === 2);
      const clicks = events.filter((e) => e.event_type === 'SMS_CLICKED');
      expect(clicks.map((e) => e.details.url).sort()).toEqual([book.url, recall.url].sort());
      expect(clicks.find((e) => e.details.url === recall.url).details).toMatchObject({ message_id: 'msg-1', machine: { flag: true, reason: 'scripted_client' } });
      expect(clicks.find((e) => e.details.url === book.url).details.machine).toEqual({ flag: true, reason: 'head_request' });
      for (const c of clicks) expect(c.is_touch).toBe(false);
      expectCatalogued(events);
    });

    it('answers 404 to an unknown or malformed code, never a redirect', async () => {
      for (const code of ['ZZZZZZZZZZ', 'abc', 'toolongcode12', 'a-b', '%2e%2e']) {
        const res = await raw(app, 'GET', `/s/${code}`);
        expect(res.status, code).toBe(404);
        expect(res.headers.get('location')).toBeNull();
      }
    });

    it("answers 404 for another dealer's journey and a journey that does not exist, 400 for a bad number", async () => {
      const key = await app.post('/api/v2/admin/keys', { name: 'sms det002', role: 'channel', dealers: ['DET002'] });
      const res = await app.post(`${SMS}/prepare`, { guid, to: phone, text: 'hi' }, { authorization: `Bearer ${key.body.key}` });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('unknown_guid');
      const none = await prepare({ guid: `${guid.slice(0, -6)}FFFFFF`, to: phone, text: 'hi' });
      expect(none.status).toBe(404);
      const bad = await prepare({ guid, to: '555-0123', text: 'hi' });
      expect(bad.status).toBe(400);
      expect(bad.body.violations[0].path).toBe('to');
    });
  });

  describe("Twilio's inbound webhook", () => {
    let guid: string;
    let phone: string;
    const path = '/webhooks/twilio/sms';

    beforeAll(async () => {
      phone = newNumber();
      guid = await openJourney(phone);
      expect((await prepare({ guid, to: phone, text: 'Your recall appointment is due: https://dealer.example/book' })).status).toBe(200);
      await app.rt.projections.catchUp();
    });

    it("accepts the official helper's signature, which equals Twilio's documented algorithm done by hand", async () => {
      const params = inbound(newNumber(), 'hello there');
      const url = PUBLIC_URL + path;
      expect(twilio.getExpectedTwilioSignature(TOKEN, url, params)).toBe(handRolledSignature(TOKEN, url, params));
      const res = await postTwilio(app, path, params, handRolledSignature(TOKEN, url, params));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
      expect(res.text).toBe(TWIML);
    });

    it('records STOP-<guid8> on the journey it names, suppresses the number, and does not move the journey to ENGAGED', async () => {
      const stop = inbound(phone, ` stop-${guid.slice(0, 8).toLowerCase()} `);
      const res = await postTwilio(app, path, stop);
      expect(res.status).toBe(200);
      expect(res.text).toBe(TWIML);
      // Twilio redelivers: the same MessageSid is stored once.
      expect((await postTwilio(app, path, stop)).status).toBe(200);
      const { events, state } = await eventsOf(guid);
      expect(state).toBe('CONTACTED');
      const received = events.filter((e) => e.event_type === 'SMS_RECEIVED');
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ event_id: `twilio:${stop.MessageSid}`, channel: 'SMS', actor: { type: 'customer' }, details: { message_id: stop.MessageSid, classification: 'OPT_OUT', provider: 'twilio' } });
      const optOut = events.filter((e) => e.event_type === 'CONTACT_OPTED_OUT');
      expect(optOut).toHaveLength(1);
      expect(optOut[0].details).toMatchObject({ address_hash: hashOf(phone), origin: { kind: 'keyword', provider: 'twilio' } });
      expect(await suppressed(phone)).toBe(true);
      const blocked = await prepare({ guid, to: phone, text: 'One more thing' });
      expect(blocked.status).toBe(409);
      expect(blocked.body.code).toBe('suppressed');
      expectCatalogued(events);
    });

    it('matches a question from the same number to its open journey, routes it to an advisor, and moves it to ENGAGED', async () => {
      const long = `${'Is the recall repair covered if my warranty ran out last year '.repeat(5)}?`;
      const q = inbound(phone, long);
      expect((await postTwilio(app, path, q)).status).toBe(200);
      const { events, state } = await eventsOf(guid);
      expect(state).toBe('ENGAGED');
      const received = events.find((e) => e.event_id === `twilio:${q.MessageSid}`);
      expect(received.details).toMatchObject({ classification: 'QUESTION', body_length: long.length, keyword: 'Is' });
      expect(received.details.text).toBe(long.slice(0, 200));
      expect(events.find((e) => e.event_id === `twilio:${q.MessageSid}:routed`)).toMatchObject({ event_type: 'REPLY_ROUTED', details: { route: 'advisor', message_id: q.MessageSid } });
      for (const e of events.filter((x) => x.event_type === 'SMS_RECEIVED')) expect(e.details.text.length).toBeLessThanOrEqual(200);
      expectCatalogued(events);
    });

    it('lifts the suppression on START, for that address only', async () => {
      const bystander = newNumber();
      const other = await openJourney(bystander);
      await app.rt.projections.catchUp();
      expect((await postTwilio(app, path, inbound(bystander, 'STOP'))).status).toBe(200);
      expect(await suppressed(bystander)).toBe(true);
      expect((await postTwilio(app, path, inbound(phone, 'START'))).status).toBe(200);
      expect(await suppressed(phone)).toBe(false);
      expect(await suppressed(bystander)).toBe(true);
      const { events } = await eventsOf(guid);
      expect(events.filter((e) => e.event_type === 'CONTACT_OPTED_IN')).toHaveLength(1);
      expect((await prepare({ guid, to: phone, text: 'Welcome back' })).status).toBe(200);
      expect((await eventsOf(other)).events.some((e) => e.event_type === 'CONTACT_OPTED_OUT')).toBe(true);
    });

    it('routes an appointment request to scheduling, and matches a reply that names its GUID from any number', async () => {
      const booking = inbound(newNumber(), `Can I come in Tuesday morning? Re ${guid}`);
      expect((await postTwilio(app, path, booking)).status).toBe(200);
      const { events } = await eventsOf(guid);
      expect(events.find((e) => e.event_id === `twilio:${booking.MessageSid}`)?.details.classification).toBe('APPOINTMENT_REQUEST');
      expect(events.find((e) => e.event_id === `twilio:${booking.MessageSid}:routed`)?.details.route).toBe('scheduling');
    });

    it('refuses a missing or wrong signature with 403 and stores nothing', async () => {
      const before = (await eventsOf(guid)).events.length;
      const params = inbound(phone, 'STOP');
      const wrongToken = twilio.getExpectedTwilioSignature('not-the-token', PUBLIC_URL + path, params);
      const wrongUrl = twilio.getExpectedTwilioSignature(TOKEN, `https://elsewhere.example${path}`, params);
      for (const signature of [null, '', wrongToken, wrongUrl]) {
        const res = await postTwilio(app, path, params, signature);
        expect(res.status, String(signature)).toBe(403);
        expect(JSON.parse(res.text).code).toBe('invalid_signature');
      }
      // Signed, then altered in transit.
      const altered = await raw(app, 'POST', path, { ...FORM, 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, PUBLIC_URL + path, params) }, new URLSearchParams({ ...params, Body: 'START' }).toString());
      expect(altered.status).toBe(403);
      expect((await eventsOf(guid)).events.length).toBe(before);
      const listed = await app.get(`${SMS}/unmatched?limit=500`);
      expect(listed.body.replies.some((r: any) => r.message_sid === params.MessageSid)).toBe(false);
    });

    it('keeps a reply no journey takes as unmatched (sender hashed), lists it, and attaches it to its journey once', async () => {
      const stranger = newNumber();
      const thanks = inbound(stranger, 'Thanks, see you then');
      expect((await postTwilio(app, path, thanks)).status).toBe(200);
      expect((await postTwilio(app, path, thanks)).status).toBe(200);
      const listed = await app.get(`${SMS}/unmatched?limit=500`);
      expect(listed.status).toBe(200);
      const mine = listed.body.replies.filter((r: any) => r.message_sid === thanks.MessageSid);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ from_hash: hashOf(stranger), to: '+13135550100', text: 'Thanks, see you then', classification: 'OTHER', attached_guid: null });
      expect(JSON.stringify(listed.body)).not.toContain(stranger);
      const id = mine[0].id;
      const attach = await app.post(`${SMS}/unmatched/${id}/attach`, { guid });
      expect(attach.status, JSON.stringify(attach.body)).toBe(200);
      expect(attach.body).toEqual({ id, guid, event_ids: [`twilio:${thanks.MessageSid}`] });
      expect((await app.post(`${SMS}/unmatched/${id}/attach`, { guid })).status).toBe(200);
      const elsewhere = await app.post(`${SMS}/unmatched/${id}/attach`, { guid: await openJourney(null) });
      expect(elsewhere.status).toBe(409);
      expect(elsewhere.body.code).toBe('reply_attached');
      const { events } = await eventsOf(guid);
      expect(events.filter((e) => e.event_id === `twilio:${thanks.MessageSid}`)).toHaveLength(1);
      const after = (await app.get(`${SMS}/unmatched?limit=500`)).body.replies.find((r: any) => r.id === id);
      expect(after.attached_guid).toBe(guid);
      expect((await app.post(`${SMS}/unmatched/nope/attach`, { guid })).status).toBe(404);
    });

    it('keeps an unmatched STOP listed as OPT_OUT; attaching it suppresses the number at that dealer', async () => {
      const stranger = newNumber();
      const stop = inbound(stranger, 'STOP');
      expect((await postTwilio(app, path, stop)).status).toBe(200);
      const row = (await app.get(`${SMS}/unmatched?limit=500`)).body.replies.find((r: any) => r.message_sid === stop.MessageSid);
      expect(row.classification).toBe('OPT_OUT');
      const target = await openJourney(null);
      expect((await app.post(`${SMS}/unmatched/${row.id}/attach`, { guid: target })).status).toBe(200);
      expect(await suppressed(stranger)).toBe(true);
    });

    it('keeps a STOP-<code> from a stranger unmatched when the code fits many journeys', async () => {
      const stop = inbound(newNumber(), `STOP-${guid.slice(0, 8)}`);
      expect((await postTwilio(app, path, stop)).status).toBe(200);
      const row = (await app.get(`${SMS}/unmatched?limit=500`)).body.replies.find((r: any) => r.message_sid === stop.MessageSid);
      expect(row).toMatchObject({ classification: 'OPT_OUT', attached_guid: null });
    });

    it('records a STOP from a number whose journeys are all closed on the latest of them, and suppresses it there', async () => {
      const closedPhone = newNumber();
      const closed = await openJourney(closedPhone);
      expect((await app.post(`${T}/journey/${closed}/transition`, { to_state: 'CLOSED' })).status).toBe(200);
      await app.rt.projections.catchUp();
      const stop = inbound(closedPhone, 'STOP');
      expect((await postTwilio(app, path, stop)).status).toBe(200);
      const { events, state } = await eventsOf(closed);
      expect(state).toBe('CLOSED');
      expect(events.map((e) => e.event_id)).toEqual(expect.arrayContaining([`twilio:${stop.MessageSid}`, `twilio:${stop.MessageSid}:opted_out`]));
      expect(await suppressed(closedPhone)).toBe(true);
      // A question from it finds no open journey: it is kept as unmatched.
      const q = inbound(closedPhone, 'Why did you stop?');
      expect((await postTwilio(app, path, q)).status).toBe(200);
      expect((await app.get(`${SMS}/unmatched?limit=500`)).body.replies.some((r: any) => r.message_sid === q.MessageSid)).toBe(true);
    });

    it('pages the unmatched list with a cursor, and keeps it to credentials with every dealer', async () => {
      const first = await app.get(`${SMS}/unmatched?limit=1`);
      expect(first.body.replies).toHaveLength(1);
      const second = await app.get(`${SMS}/unmatched?limit=1&cursor=${first.body.next_cursor}`);
      expect(second.status).toBe(200);
      expect(second.body.replies[0].id).not.toBe(first.body.replies[0].id);
      expect((await app.get(`${SMS}/unmatched?cursor=garbage`)).status).toBe(400);
      const key = await app.post('/api/v2/admin/keys', { name: 'sms dealer', role: 'dealer', dealers: ['DET001'] });
      expect((await app.get(`${SMS}/unmatched`, { authorization: `Bearer ${key.body.key}` })).status).toBe(403);
    });
  });

  describe("Twilio's status callback", () => {
    it('records delivered and failed/undelivered once each, acknowledges the rest, and refuses a bad signature', async () => {
      const phone = newNumber();
      const guid = await openJourney(phone);
      const sent = await prepare({ guid, to: phone, text: 'Your appointment is confirmed', message_id: 'status-1' });
      expect(sent.status).toBe(200);
      const path = `/webhooks/twilio/sms-status?guid=${guid}&message_id=status-1`;
      const sid = newSid();
      const status = (s: string, extra: Record<string, string> = {}) => ({ MessageSid: sid, SmsSid: sid, AccountSid: `AC${'0'.repeat(32)}`, MessageStatus: s, SmsStatus: s, To: phone, From: '+13135550100', ApiVersion: '2010-04-01', ...extra });
      for (const s of ['queued', 'sent', 'delivered', 'delivered']) expect((await postTwilio(app, path, status(s))).status, s).toBe(204);
      const sid2 = newSid();
      const failed = { ...status('failed', { ErrorCode: '30003' }), MessageSid: sid2, SmsSid: sid2 };
      expect((await postTwilio(app, path, failed)).status).toBe(204);
      expect((await postTwilio(app, path, status('delivered'), 'bad')).status).toBe(403);
      // The query string is signed too: another journey's GUID in it breaks the signature.
      const signed = twilio.getExpectedTwilioSignature(TOKEN, PUBLIC_URL + path, status('undelivered'));
      const moved = await raw(app, 'POST', path.replace(guid, `${guid.slice(0, -6)}FFFFFF`), { ...FORM, 'x-twilio-signature': signed }, new URLSearchParams(status('undelivered')).toString());
      expect(moved.status).toBe(403);
      const { events } = await eventsOf(guid);
      expect(events.filter((e) => e.event_type === 'SMS_DELIVERED')).toEqual([expect.objectContaining({ event_id: `twilio:${sid}:delivered`, details: expect.objectContaining({ message_id: 'status-1', provider: 'twilio' }) })]);
      expect(events.filter((e) => e.event_type === 'SMS_FAILED').map((e) => e.details)).toEqual([expect.objectContaining({ message_id: 'status-1', status: 'failed', error_code: '30003' })]);
      expectCatalogued(events);
      const unknown = `/webhooks/twilio/sms-status?guid=${guid.slice(0, -6)}FFFFFF&message_id=status-1`;
      expect((await postTwilio(app, unknown, status('delivered'))).status).toBe(404);
    });
  });

  describe('without TWILIO_AUTH_TOKEN', () => {
    let off: TestApp;
    beforeAll(async () => {
      off = await startTestApp(target, { channels: { providers: { twilioAuthToken: null, sendgridPublicKey: TEST_PROVIDERS.sendgridPublicKey, mailgunSigningKey: TEST_PROVIDERS.mailgunSigningKey } } });
    });
    afterAll(async () => off?.close());

    it('answers 503 naming the variable to set, and stores nothing', async () => {
      for (const path of ['/webhooks/twilio/sms', '/webhooks/twilio/sms-status?guid=x&message_id=y']) {
        const res = await postTwilio(off, path, inbound(newNumber(), 'STOP'));
        expect(res.status).toBe(503);
        const problem = JSON.parse(res.text);
        expect(problem).toMatchObject({ code: 'provider_not_configured', variable: 'TWILIO_AUTH_TOKEN' });
        expect(problem.detail).toContain('TWILIO_AUTH_TOKEN');
      }
      expect((await off.get(`${SMS}/unmatched`)).body.replies).toEqual([]);
    });
  });
});

describe.each(storeTargets().filter((t) => t.name === 'pglite'))('SMS channel fuzzing on $name', (target) => {
  let app: TestApp;
  let guid: string;
  let codes: Map<string, string>;
  const stored = async () => {
    const j = await app.get(`${T}/journey/${guid}?events_limit=500`);
    const u = await app.get('/api/v2/channels/sms/unmatched?limit=500');
    return `${j.body.events.length}/${u.body.replies.length}`;
  };

  beforeAll(async () => {
    app = await startTestApp(target);
    const phone = newNumber();
    const res = await app.post(`${T}/generate-guid`, riskBody({ customer: { phone } }));
    guid = res.body.guid;
    const p = await app.post(`${SMS}/prepare`, { guid, to: phone, text: 'a https://a.example/1 b https://b.example/2' });
    codes = new Map(p.body.links.map((l: any) => [l.code, l.url]));
  });
  afterAll(async () => app?.close());

  it('answers /s/{anything} without a 5xx, and redirects only a registered code (seed printed on failure)', async () => {
    const known = [...codes.keys()];
    const anyPath = fc.oneof(
      fc.string({ maxLength: 30 }).map(encodeURIComponent),
      fc.stringMatching(/^[A-Za-z0-9%._~!$&'()*+,;=:@-]{0,24}$/),
      fc.constantFrom(...known),
      fc.constantFrom(...known).map((c) => c.slice(0, -1)),
    );
    await fc.assert(
      fc.asyncProperty(anyPath, fc.constantFrom('GET', 'HEAD'), async (code, method) => {
        const res = await raw(app, method, `/s/${code}`, { 'user-agent': 'fuzz' });
        expect(res.status).toBeLessThan(500);
        if (codes.has(code)) {
          expect(res.status).toBe(302);
          expect(res.headers.get('location')).toBe(codes.get(code));
        } else expect(res.headers.get('location')).toBeNull();
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('answers the webhook with arbitrary fields and bad signatures without a 5xx, and stores nothing (seed printed on failure)', async () => {
    const before = await stored();
    const field = fc.oneof(fc.constantFrom('MessageSid', 'From', 'To', 'Body', 'NumMedia', 'AccountSid'), fc.string({ maxLength: 12 }));
    const params = fc.dictionary(field, fc.oneof(fc.string({ maxLength: 40 }), fc.constant(newSid()), fc.constant('STOP')), { maxKeys: 8 });
    const signature = fc.option(fc.stringMatching(/^[A-Za-z0-9+/=]{0,40}$/), { nil: null });
    const path = fc.constantFrom('/webhooks/twilio/sms', '/webhooks/twilio/sms-status', `/webhooks/twilio/sms-status?guid=${guid}&message_id=m`);
    await fc.assert(
      fc.asyncProperty(params, signature, path, fc.boolean(), async (p, sig, url, asForm) => {
        const res = await raw(app, 'POST', url, { 'content-type': asForm ? FORM['content-type'] : 'text/plain', ...(sig === null ? {} : { 'x-twilio-signature': sig }) }, new URLSearchParams(p).toString());
        expect(res.status).toBeLessThan(500);
        expect(res.status).not.toBe(200);
        expect(res.status).not.toBe(204);
      }),
      { seed: SEED, numRuns: 1000 },
    );
    expect(await stored()).toBe(before);
  });

  it('answers correctly signed arbitrary fields without a 5xx (seed printed on failure)', async () => {
    const field = fc.oneof(fc.constantFrom('MessageSid', 'From', 'To', 'Body', 'MessageStatus', 'ErrorCode'), fc.string({ maxLength: 12 }));
    const value = fc.oneof(fc.string({ maxLength: 60 }), fc.constant(newSid()), fc.constant(`STOP-${guid.slice(0, 8)}`), fc.constant(guid), fc.constantFrom('delivered', 'failed'));
    const path = fc.constantFrom('/webhooks/twilio/sms', `/webhooks/twilio/sms-status?guid=${guid}&message_id=m`);
    await fc.assert(
      fc.asyncProperty(fc.dictionary(field, value, { maxKeys: 8 }), path, async (p, url) => {
        const res = await postTwilio(app, url, p);
        expect(res.status).toBeLessThan(500);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
