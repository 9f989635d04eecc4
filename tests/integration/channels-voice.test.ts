// Twilio Voice status callbacks over real HTTP on both stores, signed as Twilio signs them: a call's progress lands
// on the journey its StatusCallback URL names, once per status; a connected call engages the customer, a machine
// that answered does not; what is unsigned, misaddressed or sent before a token is set is refused. Then (PGlite)
// a fixed-seed fuzz of arbitrary form bodies, queries and headers: never a 5xx, never a stored event.
import fc from 'fast-check';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { riskBody, startTestApp, TEST_PROVIDERS, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const PATH = '/webhooks/twilio/voice-status';
/** THREADLINE_PUBLIC_URL of the test apps: the base of the URL Twilio signs. */
const PUBLIC_URL = 'http://localhost';
const SEED = 20261201;

let sids = 0;
const callSid = () => `CA${(Date.now().toString(16) + (sids++).toString(16)).padStart(32, '0').slice(-32)}`;

/** The parameters Twilio posts with a status callback (https://www.twilio.com/docs/voice/api/call-resource#statuscallback). */
const twilioParams = (sid: string, status: string, extra: Record<string, string> = {}, sequence = 0): Record<string, string> => ({
  AccountSid: 'AC' + '0'.repeat(32),
  ApiVersion: '2010-04-01',
  CallSid: sid,
  CallStatus: status,
  CallbackSource: 'call-progress-events',
  Called: '+13135550123',
  Caller: '+13135550100',
  Direction: 'outbound-api',
  From: '+13135550100',
  To: '+13135550123',
  SequenceNumber: String(sequence),
  Timestamp: new Date(Date.UTC(2024, 11, 8, 9, 0, sequence * 5)).toUTCString().replace('GMT', '+0000'),
  ...extra,
});

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe.each(storeTargets())('Twilio voice status callbacks on $name', (target) => {
  let app: TestApp;
  let unconfigured: TestApp;

  const openJourney = async () => {
    const res = await app.post(`${T}/generate-guid`, riskBody());
    expect(res.status).toBe(201);
    return res.body.guid as string;
  };
  const journey = async (guid: string) => {
    const res = await app.get(`${T}/journey/${guid}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  /** Posts as Twilio does: the form body, X-Twilio-Signature over the public URL with its query plus the fields. */
  const callback = (query: string, params: Record<string, string>, opts: { signFor?: string; signature?: string | null; to?: TestApp } = {}) => {
    const url = `${PUBLIC_URL}${PATH}${query}`;
    const signature = opts.signature === undefined ? getExpectedTwilioSignature(TEST_PROVIDERS.twilioAuthToken, opts.signFor ?? url, params) : opts.signature;
    return (opts.to ?? app).request('post', `${PATH}${query}`, { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'X-Twilio-Signature': signature }) }, form(params));
  };
  const call = async (guid: string, steps: [string, Record<string, string>?][], query = '') => {
    const sid = callSid();
    for (const [i, [status, extra]] of steps.entries()) {
      const res = await callback(`?guid=${guid}${query}`, twilioParams(sid, status, extra, i));
      expect(res.status, `${status}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    return sid;
  };

  beforeAll(async () => {
    app = await startTestApp(target);
    unconfigured = await startTestApp(target, { channels: { providers: { twilioAuthToken: null, sendgridPublicKey: null, mailgunSigningKey: null } } });
  });
  afterAll(async () => {
    await app?.close();
    await unconfigured?.close();
  });

  it('records initiated → ringing → in-progress → completed once each; a connected call engages the customer and is one PHONE channel', async () => {
    const guid = await openJourney();
    const sid = await call(guid, [['initiated'], ['ringing'], ['in-progress', { AnsweredBy: 'human' }], ['completed', { AnsweredBy: 'human', CallDuration: '95', Duration: '2' }]], '&agent_id=agent-7');
    // Twilio may post a status twice: stored once.
    const again = await callback(`?guid=${guid}&agent_id=agent-7`, twilioParams(sid, 'completed', { AnsweredBy: 'human', CallDuration: '95', Duration: '2' }, 3));
    expect(again.status).toBe(200);
    expect(again.headers.get('content-type')).toMatch(/^text\/xml/);

    const j = await journey(guid);
    const calls = j.events.filter((e: any) => e.channel === 'PHONE');
    expect(calls.map((e: any) => [e.event_type, e.event_id, e.is_touch])).toEqual([
      ['CALL_INITIATED', `twilio:${sid}:initiated`, true],
      ['CALL_RINGING', `twilio:${sid}:ringing`, false],
      ['CALL_ANSWERED', `twilio:${sid}:in-progress`, false],
      ['CALL_COMPLETED', `twilio:${sid}:completed`, true],
    ]);
    expect(calls[0]).toMatchObject({ occurred_at: '2024-12-08T09:00:00.000Z', actor: { type: 'human', id: 'agent-7' }, details: { call_id: sid, agent_id: 'agent-7', provider: 'twilio' } });
    expect(calls[3].details).toMatchObject({ outcome: 'connected', duration_seconds: 95, answered_by: 'human', call_id: sid, provider: 'twilio' });
    expect(j.summary.current_state).toBe('ENGAGED');
    expect(j.summary.channels_used.filter((c: string) => c === 'PHONE')).toEqual(['PHONE']);
    expect(j.analytics.channels_engaged).toContain('PHONE');
  });

  it('records a call an answering machine took as voicemail, which does not engage the customer', async () => {
    const guid = await openJourney();
    await call(guid, [['initiated'], ['ringing'], ['in-progress', { AnsweredBy: 'machine_start' }], ['completed', { AnsweredBy: 'machine_start', CallDuration: '21' }]]);
    const j = await journey(guid);
    expect(j.events.find((e: any) => e.event_type === 'CALL_COMPLETED').details).toMatchObject({ outcome: 'voicemail', answered_by: 'machine_start' });
    expect(j.summary.current_state).toBe('CONTACTED');
  });

  it('takes the call details from the StatusCallback URL: an appointment scheduled on the call', async () => {
    const guid = await openJourney();
    await call(guid, [['initiated'], ['completed', { AnsweredBy: 'human', CallDuration: '300' }]], '&appointment_scheduled=true&disposition=booked&sentiment_score=0.8&callback_requested=false');
    const j = await journey(guid);
    expect(j.events.find((e: any) => e.event_type === 'CALL_COMPLETED').details).toMatchObject({ outcome: 'appointment_scheduled', disposition: 'booked', appointment_scheduled: true, callback_requested: false, sentiment_score: 0.8 });
    expect(j.summary.current_state).toBe('ENGAGED');
  });

  it('records busy and no-answer calls with their outcome, and stores nothing for queued', async () => {
    const guid = await openJourney();
    await call(guid, [['initiated'], ['busy', { CallDuration: '0' }]]);
    await call(guid, [['queued'], ['initiated'], ['no-answer', { CallDuration: '0' }]]);
    const j = await journey(guid);
    expect(j.events.filter((e: any) => e.event_type === 'CALL_COMPLETED').map((e: any) => e.details.outcome)).toEqual(['busy', 'no_answer']);
    expect(j.events.filter((e: any) => e.channel === 'PHONE')).toHaveLength(4);
    expect(j.summary.current_state).toBe('CONTACTED');
  });

  it('refuses a missing or wrong signature, and a signature for another URL, storing nothing', async () => {
    const guid = await openJourney();
    const before = await app.rt.store.log.count();
    const params = twilioParams(callSid(), 'initiated');
    expect((await callback(`?guid=${guid}`, params, { signature: null })).status).toBe(403);
    const wrong = await callback(`?guid=${guid}`, params, { signature: 'bm90IGEgc2lnbmF0dXJl' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('invalid_signature');
    // Signed for one journey's URL, sent to another's: the query is part of what Twilio signs.
    expect((await callback(`?guid=${guid}`, params, { signFor: `${PUBLIC_URL}${PATH}?guid=FORD-2024-12-07-BAT-CRT-DET001-FFFFFF` })).status).toBe(403);
    expect((await callback(`?guid=${guid}`, { ...params, CallStatus: 'completed' }, { signature: getExpectedTwilioSignature(TEST_PROVIDERS.twilioAuthToken, `${PUBLIC_URL}${PATH}?guid=${guid}`, params) })).status).toBe(403);
    expect(await app.rt.store.log.count()).toBe(before);
  });

  it('answers a missing GUID 400 and an unknown one 404, so the Twilio debugger shows the misconfigured URL', async () => {
    const before = await app.rt.store.log.count();
    const missing = await callback('', twilioParams(callSid(), 'initiated'));
    expect(missing.status).toBe(400);
    expect(missing.body.violations).toEqual([{ path: 'guid', message: 'the StatusCallback URL must carry ?guid=<a Threadline GUID>' }]);
    expect((await callback('?guid=not-a-guid', twilioParams(callSid(), 'initiated'))).status).toBe(400);
    const unknown = await callback('?guid=FORD-2024-12-07-BAT-CRT-DET001-FFFFFF', twilioParams(callSid(), 'initiated'));
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('unknown_guid');
    const bad = await callback('?guid=FORD-2024-12-07-BAT-CRT-DET001-FFFFFF&sentiment_score=7', twilioParams(callSid(), 'completed'));
    expect(bad.body.violations).toEqual([{ path: 'sentiment_score', message: expect.any(String) }]);
    expect(await app.rt.store.log.count()).toBe(before);
  });

  it('answers 503 naming TWILIO_AUTH_TOKEN while no token is set', async () => {
    const res = await callback('?guid=FORD-2024-12-07-BAT-CRT-DET001-FFFFFF', twilioParams(callSid(), 'initiated'), { to: unconfigured });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'provider_not_configured', variable: 'TWILIO_AUTH_TOKEN' });
  });
});

describe.each(storeTargets().filter((t) => t.name === 'pglite'))('Twilio voice status callbacks under fuzz on $name', (target) => {
  let app: TestApp;
  let guid: string;
  beforeAll(async () => {
    app = await startTestApp(target);
    guid = (await app.post(`${T}/generate-guid`, riskBody())).body.guid;
  });
  afterAll(async () => app?.close());

  const RUNS = 1000;
  const printable = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
  const value = fc.oneof(printable, fc.string({ maxLength: 30 }), fc.constantFrom('completed', 'initiated', 'in-progress', 'machine_start', 'human', '95', '-1', 'true', '1e9', ''));
  const fields = fc.dictionary(fc.oneof(fc.constantFrom('CallSid', 'CallStatus', 'CallDuration', 'AnsweredBy', 'Timestamp', 'guid', 'sentiment_score', 'appointment_scheduled'), fc.string({ maxLength: 10 })), value, { maxKeys: 8 });
  const query = fc.oneof(fc.constant(''), fc.constant(`?guid=${'GUID'}`), fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }).map((d) => `?${new URLSearchParams(d)}`), printable.map((s) => `?${encodeURI(s)}`));
  const headers = fc.record(
    { 'content-type': fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain'), 'X-Twilio-Signature': fc.oneof(printable, fc.base64String({ maxLength: 40 })) },
    { requiredKeys: ['content-type'] },
  );
  const body = fc.oneof(fields.map((f) => new URLSearchParams(f).toString()), fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''));

  it(`${RUNS} arbitrary form bodies, queries and headers (seed ${SEED}) never answer 5xx and store nothing unsigned`, async () => {
    const before = await app.rt.store.log.count();
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(query, headers, body, async (q, h, b) => {
        const res = await app.request('post', `${PATH}${q.replace('GUID', guid)}`, h, b);
        statuses.add(res.status);
        expect(res.status, `${res.status} ${JSON.stringify(res.body)}`).toBeLessThan(500);
        expect(res.status).not.toBe(200);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(await app.rt.store.log.count()).toBe(before);
    expect([...statuses].every((s) => [400, 403, 413, 415].includes(s)), [...statuses].join(',')).toBe(true);
  });
});
