// The email providers' event webhooks over real HTTP on both stores: SendGrid batches signed with the test key and
// Mailgun bodies signed with the test signing key land on their journeys once however often they are delivered;
// anything unsigned, stale, forged or sent before a key is set is refused and stores nothing. Then (PGlite) a
// fixed-seed fuzz of both webhooks with arbitrary bodies and headers: never a 5xx, never a stored event.
import { createHmac, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutate, type ProviderSamples } from '../conformance/email-provider-conformance.ts';
import { riskBody, startTestApp, TEST_PROVIDERS, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const SENDGRID = '/webhooks/sendgrid/events';
const MAILGUN = '/webhooks/mailgun/events';
const CUSTOMER = 'jane.doe@example.com';
const SEED = 20261201;

const fixture = (name: string): ProviderSamples => JSON.parse(readFileSync(new URL(`../fixtures/providers/${name}`, import.meta.url), 'utf8')) as ProviderSamples;
const sendgridSamples = fixture('sendgrid-events.json');
const mailgunSamples = fixture('mailgun-events.json');

/** The fixture's sample, its placeholder GUID swapped for a real journey's. */
const sample = (f: ProviderSamples, name: string, guid: string): any => {
  const s = f.samples.find((x) => x.name.startsWith(name));
  if (!s) throw new Error(`no sample ${name}`);
  return JSON.parse(JSON.stringify(s.body).replaceAll(f.guid, guid));
};

const now = () => Math.floor(Date.now() / 1000);

/** Signed as SendGrid signs: ECDSA over the timestamp header followed by the exact body. */
const sendgridHeaders = (body: string, timestamp = String(now()), key = TEST_PROVIDERS.sendgridPrivateKey): Record<string, string> => ({
  'X-Twilio-Email-Event-Webhook-Signature': sign('sha256', Buffer.from(timestamp + body), key).toString('base64'),
  'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
});

/** A Mailgun body with a fresh signature object: HMAC-SHA256 of timestamp + token with the signing key. */
const mailgunSigned = (body: any, timestamp = String(now()), key = TEST_PROVIDERS.mailgunSigningKey): string => {
  const token = randomBytes(25).toString('hex');
  return JSON.stringify({ ...body, signature: { timestamp, token, signature: createHmac('sha256', key).update(timestamp + token).digest('hex') } });
};

describe.each(storeTargets())('email provider webhooks on $name', (target) => {
  let app: TestApp;
  let unconfigured: TestApp;

  const openJourney = async (customer?: Record<string, string>) => {
    const res = await app.post(`${T}/generate-guid`, riskBody(customer ? { customer } : {}));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.guid as string;
  };
  const eventsOf = async (guid: string) => {
    const res = await app.get(`${T}/journey/${guid}`);
    expect(res.status).toBe(200);
    return res.body.events as any[];
  };
  const typesOf = async (guid: string) => (await eventsOf(guid)).map((e) => e.event_type).sort();
  const logCount = () => app.rt.store.log.count();
  const postSendgrid = (body: string, headers = sendgridHeaders(body), to = app) => to.request('post', SENDGRID, headers, body);
  const postMailgun = (body: string, to = app) => to.request('post', MAILGUN, {}, body);

  beforeAll(async () => {
    app = await startTestApp(target);
    unconfigured = await startTestApp(target, { channels: { providers: { twilioAuthToken: null, sendgridPublicKey: null, mailgunSigningKey: null } } });
  });
  afterAll(async () => {
    await app?.close();
    await unconfigured?.close();
  });

  describe('SendGrid', () => {
    const BATCH = ['processed, with', 'delivered', 'open that SendGrid', 'open by the customer', 'click by the customer', 'bounce (type bounce)', 'spamreport', 'unsubscribe:'];

    it('stores a signed batch once, however often it is delivered, with machine opens flagged and the opt-out on the suppression list', async () => {
      const guid = await openJourney();
      const body = JSON.stringify(BATCH.flatMap((n) => sample(sendgridSamples, n, guid)));
      const first = await postSendgrid(body);
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      expect(first.body).toEqual({ accepted: 8, duplicates: 0, skipped: 0 });
      // SendGrid retries until it gets a 2xx: the same batch again, signed anew, stores nothing more.
      const again = await postSendgrid(body);
      expect(again.body).toEqual({ accepted: 0, duplicates: 8, skipped: 0 });

      const events = await eventsOf(guid);
      const provided = events.filter((e) => e.details.provider === 'sendgrid' || e.event_type === 'CONTACT_OPTED_OUT');
      expect(provided.map((e) => e.event_type).sort()).toEqual(['CONTACT_OPTED_OUT', 'EMAIL_BOUNCED', 'EMAIL_CLICKED', 'EMAIL_COMPLAINT', 'EMAIL_DELIVERED', 'EMAIL_OPENED', 'EMAIL_OPENED', 'EMAIL_SENT', 'EMAIL_UNSUBSCRIBED']);
      const opens = provided.filter((e) => e.event_type === 'EMAIL_OPENED').sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
      expect(opens.map((e) => [e.details.machine, e.is_touch])).toEqual([
        [{ flag: true, reason: 'provider:sendgrid_machine_open' }, false],
        [{ flag: false, reason: null }, true],
      ]);
      const byType = Object.fromEntries(provided.map((e) => [e.event_type, e]));
      expect(byType['EMAIL_SENT']).toMatchObject({ event_id: 'email:tl-msg-1:sent', occurred_at: '2024-12-08T09:00:00.000Z' });
      expect(byType['EMAIL_CLICKED'].details.url).toBe('https://dealer.example/book?vin=1FTFW1ET5D');
      expect(byType['EMAIL_BOUNCED'].details).toMatchObject({ bounce_type: 'hard', message_id: 'tl-msg-3' });
      expect(byType['CONTACT_OPTED_OUT'].details.origin).toEqual({ kind: 'provider', provider: 'sendgrid' });

      await app.rt.projections.catchUp();
      const suppression = await app.get(`/api/v2/channels/email/suppressions/${encodeURIComponent(CUSTOMER)}`);
      expect(suppression.body).toMatchObject({ suppressed: true, dealers: [{ dealer_code: 'DET001', guid, origin: { kind: 'provider', provider: 'sendgrid' } }] });
    });

    it("counts the processed event of a message email prepare sent as a duplicate of the send it recorded", async () => {
      const guid = await openJourney();
      const prepared = await app.post('/api/v2/channels/email/prepare', { guid, to: 'prepared.customer@example.com', html: '<p>Hello</p>', message_id: 'tl-msg-prepared' });
      expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
      const processed = sample(sendgridSamples, 'processed, with', guid);
      processed[0].message_id = 'tl-msg-prepared';
      const res = await postSendgrid(JSON.stringify(processed));
      expect(res.body).toEqual({ accepted: 0, duplicates: 1, skipped: 0 });
      expect((await typesOf(guid)).filter((t) => t === 'EMAIL_SENT')).toHaveLength(1);
    });

    it("finds the journey by the recipient's address when the event carries no GUID, and skips what it cannot place", async () => {
      const guid = await openJourney({ email: 'Found.ByAddress@Example.com' });
      await app.rt.projections.catchUp();
      const noGuid = (email: string, id: string) => ({ email, timestamp: now() - 60, event: 'delivered', sg_event_id: id });
      const batch = [
        noGuid('found.byaddress@example.com', 'by-address-1'),
        noGuid('nobody@example.com', 'by-address-2'),
        { ...noGuid(CUSTOMER, 'unknown-guid-1'), guid: 'FORD-2024-12-07-BAT-CRT-DET001-FFFFFF' },
        { ...noGuid(CUSTOMER, 'not-a-guid-1'), guid: 'not-a-guid' },
        { ...noGuid(CUSTOMER, 'deferred-1'), event: 'deferred', guid },
        { ...noGuid(CUSTOMER, 'future-1'), guid, timestamp: now() + 3600 },
      ];
      const res = await postSendgrid(JSON.stringify(batch));
      expect(res.body).toEqual({ accepted: 1, duplicates: 0, skipped: 5 });
      expect((await eventsOf(guid)).filter((e) => e.details.provider === 'sendgrid').map((e) => e.event_id)).toEqual(['sendgrid:by-address-1']);
    });

    it('refuses a bad or missing signature, a stale timestamp and a batch that is no array, and stores nothing', async () => {
      const guid = await openJourney();
      const body = JSON.stringify(sample(sendgridSamples, 'delivered', guid));
      const before = await logCount();
      const tampered = await postSendgrid(body.replace('250 OK', '251 OK'), sendgridHeaders(body));
      expect(tampered.status).toBe(403);
      expect(tampered.body.code).toBe('invalid_signature');
      expect((await postSendgrid(body, {})).status).toBe(403);
      expect((await postSendgrid(body, { ...sendgridHeaders(body), 'X-Twilio-Email-Event-Webhook-Signature': 'bm90IGEgc2lnbmF0dXJl' })).status).toBe(403);
      const stale = await postSendgrid(body, sendgridHeaders(body, String(now() - 26 * 3600)));
      expect(stale.status).toBe(403);
      expect(stale.body.detail).toMatch(/old/);
      const otherKey = (await import('node:crypto')).generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
      expect((await postSendgrid(body, sendgridHeaders(body, String(now()), otherKey))).status).toBe(403);
      expect(await logCount()).toBe(before);
      // A retry signed a day ago is still SendGrid's: taken (SendGrid retries for 24 h), and stored once.
      expect((await postSendgrid(body, sendgridHeaders(body, String(now() - 23 * 3600)))).status).toBe(200);
      expect((await postSendgrid(body, sendgridHeaders(body, String(now() - 23 * 3600)))).body).toMatchObject({ accepted: 0, duplicates: 1 });
      // Far ahead of the server's clock: refused.
      expect((await postSendgrid(body, sendgridHeaders(body, String(now() + 3600)))).status).toBe(403);
      const notArray = JSON.stringify({ events: [] });
      const refused = await postSendgrid(notArray);
      expect(refused.status).toBe(400);
      expect(refused.body.violations).toEqual([{ path: '(body)', message: 'a JSON array of SendGrid events' }]);
    });

    it('answers 503 naming SENDGRID_WEBHOOK_PUBLIC_KEY while no key is set', async () => {
      const body = '[]';
      const res = await postSendgrid(body, sendgridHeaders(body), unconfigured);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'provider_not_configured', variable: 'SENDGRID_WEBHOOK_PUBLIC_KEY' });
    });
  });

  describe('Mailgun', () => {
    const EVENTS = ['accepted', 'delivered', 'opened by the customer', 'opened by a bot', 'clicked', 'failed, severity permanent', 'complained', 'unsubscribed'];

    it('stores each signed event once (a redelivery is a duplicate), with bot opens flagged and the opt-out recorded', async () => {
      const guid = await openJourney();
      const answers = [];
      for (const name of EVENTS) answers.push((await postMailgun(mailgunSigned(sample(mailgunSamples, name, guid)))).body);
      expect(answers).toEqual(EVENTS.map(() => ({ accepted: 1, duplicates: 0, skipped: 0 })));
      // Mailgun redelivers the very same body when it did not get a 2xx in time.
      const redelivered = mailgunSigned(sample(mailgunSamples, 'clicked', guid));
      expect((await postMailgun(redelivered)).body).toEqual({ accepted: 0, duplicates: 1, skipped: 0 });
      expect((await postMailgun(redelivered)).body).toEqual({ accepted: 0, duplicates: 1, skipped: 0 });

      const events = (await eventsOf(guid)).filter((e) => e.details.provider === 'mailgun' || e.event_type === 'CONTACT_OPTED_OUT');
      expect(events.map((e) => e.event_type).sort()).toEqual(['CONTACT_OPTED_OUT', 'EMAIL_BOUNCED', 'EMAIL_CLICKED', 'EMAIL_COMPLAINT', 'EMAIL_DELIVERED', 'EMAIL_OPENED', 'EMAIL_OPENED', 'EMAIL_SENT', 'EMAIL_UNSUBSCRIBED']);
      expect(events.filter((e) => e.event_type === 'EMAIL_OPENED').map((e) => e.details.machine.reason).sort()).toEqual([null, 'provider:mailgun_bot']);
      expect(events.find((e) => e.event_type === 'EMAIL_CLICKED')).toMatchObject({ event_id: 'mailgun:TGwDbGlja2VkLTE', occurred_at: '2024-12-08T09:06:00.250Z', is_touch: true });
    });

    it('answers 200 for an event it does not store, so that Mailgun does not retry it', async () => {
      const guid = await openJourney();
      expect((await postMailgun(mailgunSigned(sample(mailgunSamples, 'rejected', guid)))).body).toEqual({ accepted: 0, duplicates: 0, skipped: 1 });
      const unknown = sample(mailgunSamples, 'delivered', 'FORD-2024-12-07-BAT-CRT-DET001-FFFFFF');
      expect((await postMailgun(mailgunSigned(unknown))).body).toEqual({ accepted: 0, duplicates: 0, skipped: 1 });
    });

    it('refuses a bad HMAC, a stale timestamp and a reused token with another body, and stores nothing', async () => {
      const guid = await openJourney();
      const body = sample(mailgunSamples, 'delivered', guid);
      const before = await logCount();
      const badKey = await postMailgun(mailgunSigned(body, String(now()), 'not-the-signing-key'));
      expect(badKey.status).toBe(403);
      expect(badKey.body.code).toBe('invalid_signature');
      expect((await postMailgun(JSON.stringify(body))).status).toBe(403);
      expect((await postMailgun(mailgunSigned(body, String(now() - 26 * 3600)))).status).toBe(403);
      // A retry a day later (the providers retry for up to 24 h) is still taken; far ahead of the clock is not.
      expect((await postMailgun(mailgunSigned(body, String(now() + 3600)))).status).toBe(403);
      // A captured signature cannot carry another event: the token is remembered with its body.
      const captured = JSON.parse(mailgunSigned(sample(mailgunSamples, 'rejected', guid)));
      expect((await postMailgun(JSON.stringify(captured))).status).toBe(200);
      const forged = await postMailgun(JSON.stringify({ ...body, signature: captured.signature }));
      expect(forged.status).toBe(403);
      expect(forged.body.detail).toMatch(/replay/);
      expect(await logCount()).toBe(before);
    });

    it('answers 503 naming MAILGUN_WEBHOOK_SIGNING_KEY while no key is set', async () => {
      const res = await postMailgun(mailgunSigned(sample(mailgunSamples, 'delivered', 'FORD-2024-12-07-BAT-CRT-DET001-FFFFFF')), unconfigured);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'provider_not_configured', variable: 'MAILGUN_WEBHOOK_SIGNING_KEY' });
    });
  });
});

describe.each(storeTargets().filter((t) => t.name === 'pglite'))('email provider webhooks under fuzz on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target);
  });
  afterAll(async () => app?.close());

  const RUNS = 1000;
  // Printable ASCII only: fetch itself refuses other header values.
  const header = fc.oneof(fc.stringMatching(/^[\x20-\x7e]{0,40}$/), fc.base64String({ maxLength: 120 }), fc.integer({ min: 0, max: 2 ** 40 }).map(String), fc.constant(String(now())));
  const headers = fc.record(
    {
      'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/cloudevents+json'),
      'X-Twilio-Email-Event-Webhook-Signature': header,
      'X-Twilio-Email-Event-Webhook-Timestamp': header,
    },
    { requiredKeys: ['content-type'] },
  );
  const signatureObject = fc.record({ timestamp: header, token: fc.string({ maxLength: 60 }), signature: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string({ maxLength: 70 })) });
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
    fc.string({ maxLength: 200 }),
    fc.tuple(fc.constantFrom(...sendgridSamples.samples), fc.boolean()).map(([s, wrap]) => JSON.stringify(wrap ? s.body : (s.body as unknown[])[0])),
    fc.tuple(fc.constantFrom(...mailgunSamples.samples), signatureObject).map(([s, sig]) => JSON.stringify({ ...(s.body as object), signature: sig })),
  );

  it.each([SENDGRID, MAILGUN])(`%s: ${RUNS} arbitrary bodies and headers (seed ${SEED}) never answer 5xx and store nothing unsigned`, async (path) => {
    const before = await app.rt.store.log.count();
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(headers, body, async (h, b) => {
        const res = await app.request('post', path, h, b);
        statuses.add(res.status);
        expect(res.status, `${res.status} ${JSON.stringify(res.body)}`).toBeLessThan(500);
        expect(res.status).not.toBe(200);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(await app.rt.store.log.count()).toBe(before);
    expect([...statuses].every((s) => [400, 403, 413, 415].includes(s)), [...statuses].join(',')).toBe(true);
  });

  // Signed bodies too: whatever a provider (or a bug in one) signs, the answer accounts for every event and is no 5xx.
  const SIGNED_RUNS = 300;
  const leaf = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('', 'open', 'click', 'failed', 'temporary', 'blocked', 'javascript:x', 'x'.repeat(2000), -1, 1e300));
  const edits = fc.array(fc.tuple(fc.nat(), leaf), { maxLength: 4 });

  it(`${SENDGRID}: ${SIGNED_RUNS} signed, mutated batches (seed ${SEED}) are answered 200 or 400 with every event counted`, async () => {
    const guid = (await app.post(`${T}/generate-guid`, riskBody())).body.guid as string;
    await fc.assert(
      fc.asyncProperty(fc.subarray(sendgridSamples.samples, { minLength: 1 }), edits, async (samples, e) => {
        const batch = mutate(samples.flatMap((s) => JSON.parse(JSON.stringify(s.body).replaceAll(sendgridSamples.guid, guid))), e);
        const body = JSON.stringify(batch);
        const res = await app.request('post', SENDGRID, sendgridHeaders(body), body);
        expect([200, 400], `${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
        if (res.status === 200) expect(res.body.accepted + res.body.duplicates + res.body.skipped).toBe((batch as unknown[]).length);
      }),
      { numRuns: SIGNED_RUNS, seed: SEED },
    );
    // What was stored could be projected: nothing quarantined.
    expect((await app.get(`${T}/journey/${guid}`)).body.degraded).toBe(false);
  });

  it(`${MAILGUN}: ${SIGNED_RUNS} signed, mutated events (seed ${SEED}) are answered 200 or 400 with the event counted`, async () => {
    const guid = (await app.post(`${T}/generate-guid`, riskBody())).body.guid as string;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...mailgunSamples.samples), edits, async (s, e) => {
        const mutated = mutate(JSON.parse(JSON.stringify(s.body).replaceAll(mailgunSamples.guid, guid)), e);
        const body = mailgunSigned(typeof mutated === 'object' && mutated !== null && !Array.isArray(mutated) ? mutated : {});
        const res = await app.request('post', MAILGUN, {}, body);
        expect([200, 400], `${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
        if (res.status === 200) expect(res.body.accepted + res.body.duplicates + res.body.skipped).toBe(1);
      }),
      { numRuns: SIGNED_RUNS, seed: SEED },
    );
    // What was stored could be projected: nothing quarantined.
    expect((await app.get(`${T}/journey/${guid}`)).body.degraded).toBe(false);
  });
});
