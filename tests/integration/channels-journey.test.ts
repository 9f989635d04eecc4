// One customer's journey across every channel integration, end to end over real HTTP on both stores, as a dealer's
// staff would follow it: an email is prepared, opened and clicked (and a scanner's click flagged beside it), an SMS
// link clicked, a question texted back through Twilio's signed webhook, a call made through Twilio Voice, the
// appointment booked in the dealer portal. Then the journey, its touches, its state and its attribution read as they
// should; a STOP reply and a one-click unsubscribe land on the suppression lists and the next prepares are refused.
// Last (PGlite), a fixed-seed fuzz of the unsubscribe endpoints, the one public route the other suites do not fuzz.
import fc from 'fast-check';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { riskBody, startTestApp, TEST_PROVIDERS, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';
import { query } from '../helpers/sql.ts';

const T = '/api/v2/tracking';
const CHANNELS = '/api/v2/channels';
const PUBLIC_URL = 'http://localhost';
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const SCANNER = 'Mozilla/5.0 (compatible; Mimecast URL Protect)';
const EMAIL = 'pat.driver@example.com';
const PHONE = '+13135550177';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let sids = 0;
const sid = (prefix: string) => `${prefix}${(Date.now().toString(16) + (sids++).toString(16)).padStart(32, '0').slice(-32)}`;
const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

describe.each(storeTargets())('a journey across the channels on $name', (target) => {
  let app: TestApp;
  let guid: string;
  let emailHtml: string;

  const journey = async () => {
    const res = await app.get(`${T}/journey/${guid}?events_limit=500`);
    expect(res.status).toBe(200);
    return res.body;
  };
  /** Opens and clicks are recorded after the answer: wait for them, with a deadline. */
  const eventually = async (types: string[]) => {
    for (const deadline = Date.now() + 15_000; ; ) {
      const have = (await journey()).events.map((e: { event_type: string }) => e.event_type);
      if (types.every((t) => have.filter((h: string) => h === t).length >= types.filter((x) => x === t).length)) return;
      if (Date.now() > deadline) throw new Error(`still missing some of ${types.join(', ')}; have ${have.join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const get = (path: string, ua: string) => fetch(app.url + path, { headers: { 'user-agent': ua }, redirect: 'manual' });
  const twilio = (path: string, params: Record<string, string>) =>
    app.request('post', path, { ...FORM, 'X-Twilio-Signature': getExpectedTwilioSignature(TEST_PROVIDERS.twilioAuthToken, `${PUBLIC_URL}${path}`, params) }, new URLSearchParams(params).toString());

  beforeAll(async () => {
    app = await startTestApp(target);
    // The risk event an hour ago: every channel's event comes after the journey's start.
    const opened = await app.post(`${T}/generate-guid`, riskBody({ customer: { id: 'C-77', email: EMAIL, phone: PHONE }, risk_event: { component_code: 'BAT', severity: 'CRITICAL', risk_score: 91, timestamp: new Date(Date.now() - 3_600_000).toISOString() } }));
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    guid = opened.body.guid;
  });
  afterAll(async () => app?.close());

  it('follows the customer from the email to the booked appointment, and credits the channels that led there', async () => {
    const email = await app.post(`${CHANNELS}/email/prepare`, {
      guid,
      to: EMAIL,
      campaign_id: 'winter-battery',
      html: '<html><body><p>Your battery needs a check.</p><a href="https://dealer.example/book">Book</a> <a href="https://dealer.example/why">Why</a></body></html>',
    });
    expect(email.status, JSON.stringify(email.body)).toBe(200);
    emailHtml = email.body.html;
    expect(email.body.headers['X-Ford-GUID']).toBe(guid);
    // The SMS goes out at the same time.
    const sms = await app.post(`${CHANNELS}/sms/prepare`, { guid, to: PHONE, text: 'Book your battery check: https://dealer.example/book?src=sms' });
    expect(sms.status, JSON.stringify(sms.body)).toBe(200);
    expect(sms.body.text).toMatch(new RegExp(`Reply STOP-${guid.slice(0, 8)} to opt out$`));
    const [pixel] = [...emailHtml.matchAll(/src="([^"]+\/pixel\/[^"]+)"/g)].map((m) => pathOf(m[1]!));
    const [book] = [...emailHtml.matchAll(/href="([^"]+\/r\/[^"]+)"/g)].map((m) => pathOf(m[1]!));

    const image = await get(pixel!, SAFARI);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/gif');
    // A mail scanner opens the link the moment the message arrives: redirected, recorded, flagged.
    const scanned = await get(book!, SCANNER);
    expect(scanned.status).toBe(302);
    expect(scanned.headers.get('location')).toBe('https://dealer.example/book');
    await eventually(['EMAIL_SENT', 'EMAIL_OPENED', 'EMAIL_CLICKED']);
    expect((await journey()).summary.current_state).toBe('CONTACTED');

    // The customer reads them a little later (a click within 2 s of the send is a scanner's) and clicks.
    await new Promise((r) => setTimeout(r, 2100));
    const clicked = await get(book!, SAFARI);
    expect(clicked.headers.get('location')).toBe('https://dealer.example/book');
    await eventually(['EMAIL_CLICKED', 'EMAIL_CLICKED']);

    const short = await get(`/s/${sms.body.links[0].code}`, SAFARI);
    expect(short.status).toBe(302);
    expect(short.headers.get('location')).toBe('https://dealer.example/book?src=sms');
    await eventually(['SMS_SENT', 'SMS_CLICKED']);

    // A question texted back: matched by the number, routed to an advisor.
    const question = await twilio('/webhooks/twilio/sms', { MessageSid: sid('SM'), AccountSid: `AC${'0'.repeat(32)}`, From: PHONE, To: '+13135550100', Body: 'Do you have a slot on Tuesday?', NumMedia: '0' });
    expect(question.status).toBe(200);

    // The advisor calls back.
    const call = sid('CA');
    for (const [i, status] of ['initiated', 'completed'].entries()) {
      const extra: Record<string, string> = status === 'completed' ? { CallDuration: '140', AnsweredBy: 'human' } : {};
      const path = `/webhooks/twilio/voice-status?guid=${guid}`;
      const res = await twilio(path, { AccountSid: `AC${'0'.repeat(32)}`, CallSid: call, CallStatus: status, Direction: 'outbound-api', From: '+13135550100', To: PHONE, SequenceNumber: String(i), ...extra });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }

    // And books the appointment in the portal.
    const session = await app.post('/api/v2/portal/sessions', { guid, user_id: 'advisor-7', dealer_code: 'DET001', role: 'service_advisor' });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    const booked = await app.post(`/api/v2/portal/sessions/${session.body.session_id}/actions`, { action: 'schedule_appointment', details: { appointment_id: 'APT-1', scheduled_for: new Date(Date.now() + 86_400_000).toISOString() } });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    expect((await app.post(`/api/v2/portal/sessions/${session.body.session_id}/end`, {})).status).toBe(200);

    await app.rt.projections.catchUp();
    const j = await journey();
    expect(j.summary.current_state).toBe('SCHEDULED');
    const byType = (type: string) => j.events.filter((e: { event_type: string }) => e.event_type === type);
    expect(byType('EMAIL_CLICKED').map((e: { details: { machine: { flag: boolean; reason: string | null } } }) => e.details.machine).sort((a: { flag: boolean }, b: { flag: boolean }) => Number(a.flag) - Number(b.flag))).toEqual([
      { flag: false, reason: null },
      { flag: true, reason: 'security_scanner' },
    ]);
    expect(byType('SMS_RECEIVED')[0].details).toMatchObject({ classification: 'QUESTION', provider: 'twilio' });
    expect(byType('REPLY_ROUTED')[0].details.route).toBe('advisor');
    expect(byType('CALL_COMPLETED')[0].details).toMatchObject({ outcome: 'connected', duration_seconds: 140 });
    // The channels the customer was reached on (the portal is the dealer's side: no touch).
    expect(new Set(j.summary.channels_used)).toEqual(new Set(['EMAIL', 'SMS', 'PHONE']));
    // The moves, each implied by the event that caused it: the scanner's click moved nothing.
    const cause = (to: string) => j.transitions.find((t: { to: string }) => t.to === to)?.cause_event_id;
    expect(j.events.find((e: { event_id: string }) => e.event_id === cause('ENGAGED')).details.machine).toEqual({ flag: false, reason: null });
    expect(j.events.find((e: { event_id: string }) => e.event_id === cause('SCHEDULED')).event_type).toBe('PORTAL_SCHEDULE_APPOINTMENT');
    // No address in clear anywhere in the journey.
    expect(JSON.stringify(j)).not.toContain('pat.driver');
    expect(JSON.stringify(j)).not.toContain('5550177');

    // Attribution over this one conversion: first touch the email, last the call; the scanner counts for nothing.
    const window = `start_date=${new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)}&end_date=${new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)}`;
    const first = await app.get(`${T}/attribution?${window}&model=first_touch`);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ conversions: 1, attribution: { EMAIL: { conversions: 1 } } });
    const last = await app.get(`${T}/attribution?${window}&model=last_touch`);
    expect(last.body.attribution.PHONE.conversions).toBe(1);
    const linear = await app.get(`${T}/attribution?${window}&model=linear`);
    const touches = await query(app.rt.store, 'SELECT touches FROM journey_paths WHERE guid = $1', [guid]);
    const path = (JSON.parse(touches.rows[0].touches) as [number, string, string][]).map((t) => t[1]);
    // The two sends, the human open and click, the SMS click and the reply, the call's two events; no scanner.
    expect(path).toEqual(['EMAIL', 'SMS', 'EMAIL', 'EMAIL', 'SMS', 'SMS', 'PHONE', 'PHONE']);
    expect(linear.body.attribution.EMAIL.share).toBeCloseTo(3 / 8, 5);
    expect(linear.body.attribution.SMS.share).toBeCloseTo(3 / 8, 5);
    expect(linear.body.attribution.PHONE.share).toBeCloseTo(2 / 8, 5);
  });

  it('takes a STOP reply and a one-click unsubscribe onto the suppression lists, and refuses the next prepares', async () => {
    const stop = await twilio('/webhooks/twilio/sms', { MessageSid: sid('SM'), AccountSid: `AC${'0'.repeat(32)}`, From: PHONE, To: '+13135550100', Body: `STOP-${guid.slice(0, 8)}`, NumMedia: '0' });
    expect(stop.status).toBe(200);
    const unsubscribe = pathOf(/^<(.+)>$/.exec((await app.post(`${CHANNELS}/email/prepare`, { guid, to: EMAIL, html: '<p>Reminder</p>' })).body.headers['List-Unsubscribe'])![1]!);
    const done = await app.request('post', unsubscribe, FORM, 'List-Unsubscribe=One-Click');
    expect(done.status).toBe(200);
    await app.rt.projections.catchUp();
    expect((await app.get(`${CHANNELS}/sms/suppressions/${encodeURIComponent(PHONE)}`)).body).toMatchObject({ channel: 'SMS', suppressed: true, dealers: [{ dealer_code: 'DET001', origin: { kind: 'keyword', provider: 'twilio' } }] });
    expect((await app.get(`${CHANNELS}/email/suppressions/${encodeURIComponent(EMAIL)}`)).body).toMatchObject({ channel: 'EMAIL', suppressed: true, dealers: [{ dealer_code: 'DET001', origin: { kind: 'link' } }] });
    expect((await app.post(`${CHANNELS}/sms/prepare`, { guid, to: PHONE, text: 'hello' })).body.code).toBe('suppressed');
    expect((await app.post(`${CHANNELS}/email/prepare`, { guid, to: EMAIL, html: '<p>hello</p>' })).body.code).toBe('suppressed');
    // The STOP reply is no engagement: the journey stays where the appointment put it.
    expect((await journey()).summary.current_state).toBe('SCHEDULED');
  });

  it.runIf(target.name === 'pglite')('fuzz: /u/{token} with any token, method and body never answers 5xx and stores nothing (seed 20261201)', async () => {
    const count = async () => Number((await query(app.rt.store, 'SELECT count(*) AS n FROM emt_messages')).rows[0].n);
    const before = await count();
    const token = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('//evil.com', '%2F%2Fevil.com', 'javascript:alert(1)', '..%2F..%2Fetc', 'a.b.c', 'x'.repeat(5000)));
    const body = fc.oneof(fc.constant('List-Unsubscribe=One-Click'), fc.string({ maxLength: 200 }), fc.constant('%ZZ'), fc.constant('\u0000'));
    await fc.assert(
      fc.asyncProperty(token, fc.boolean(), body, async (t, post, b) => {
        const path = `/u/${encodeURIComponent(t)}`;
        const res = post ? await app.request('post', path, FORM, b) : await app.request('get', path, {});
        expect(res.status, `${post ? 'POST' : 'GET'} ${path}`).toBeLessThan(500);
        expect(res.headers.get('location')).toBeNull();
      }),
      { seed: 20261201, numRuns: 1000 },
    );
    expect(await count()).toBe(before);
  });
});
