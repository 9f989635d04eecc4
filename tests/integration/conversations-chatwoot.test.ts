// Chatwoot pointed at Threadline, over real HTTP on both stores, every delivery signed as Chatwoot signs it (HMAC-SHA256
// of `timestamp.body` with the webhook's secret): a whole conversation (bot, hand-off, agents, a hand-over, resolved,
// reopened) lands on one GUID in the right states, redeliveries are stored once, and anything unsigned, forged,
// stale or sent before the webhook is configured is refused and stores nothing.
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guidOfIdempotencyKey, openConversation } from '../../src/application/journeys/index.ts';
import { startTestApp, TEST_CHATWOOT, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const HOOK = '/webhooks/chatwoot';
const T = '/api/v2/tracking';
const URL_TOKEN = 'chatwoot-url-token-for-old-versions-0123456789';

const fixture = (name: string): any => JSON.parse(readFileSync(new URL(`../fixtures/providers/chatwoot/${name}.json`, import.meta.url), 'utf8'));
const nowSec = () => Math.floor(Date.now() / 1000);

/** Signed as Chatwoot signs a delivery: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>`. */
const chatwootHeaders = (body: string, timestamp = String(nowSec()), secret = TEST_CHATWOOT.webhookSecret!): Record<string, string> => ({
  'X-Chatwoot-Signature': `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
  'X-Chatwoot-Timestamp': timestamp,
  'X-Chatwoot-Delivery': randomUUID(),
});

let nextConversation = 5000;

/** The fixtures of one conversation: its number (and its messages' ids) made unique, so each test has its own journey. */
const conversationFixtures = () => {
  const id = nextConversation++;
  const setId = (body: any) => {
    const c = body.event === 'message_created' ? body.conversation : body;
    c.id = id;
    for (const m of c.messages ?? []) m.id = id * 1000 + (m.id % 1000);
    if (body.event === 'message_created') body.id = id * 1000 + (body.id % 1000);
    return body;
  };
  return { id, key: `chatwoot:3:${id}`, of: (name: string, patch: (b: any) => void = () => {}) => { const b = setId(fixture(name)); patch(b); return b; } };
};

describe.each(storeTargets())('Chatwoot webhook on $name', (target) => {
  let app: TestApp;
  let unconfigured: TestApp;
  let noDealer: TestApp;
  let withToken: TestApp;

  const deliver = (body: unknown, to = app, headers?: Record<string, string>) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return to.request('post', HOOK, headers ?? chatwootHeaders(text), text);
  };
  const journey = async (guid: string) => {
    const res = await app.get(`${T}/journey/${guid}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const logCount = () => app.rt.store.log.count();

  beforeAll(async () => {
    app = await startTestApp(target);
    // These only answer before anything is stored or read back: no projections.
    unconfigured = await startTestApp(target, { runner: false, chatwoot: { webhookSecret: null, urlToken: null } });
    noDealer = await startTestApp(target, { runner: false, chatwoot: { dealerCode: null } });
    withToken = await startTestApp(target, { runner: false, chatwoot: { urlToken: URL_TOKEN } });
  });
  afterAll(async () => {
    await Promise.all([app?.close(), unconfigured?.close(), noDealer?.close(), withToken?.close()]);
  });

  /** The whole conversation of the fixtures, in the order Chatwoot may deliver it (the bot's greeting overtakes the creation). */
  const wholeConversation = (c: ReturnType<typeof conversationFixtures>) => [
    c.of('message_created-outgoing-bot'),
    c.of('conversation_created'),
    c.of('message_created-incoming'),
    c.of('conversation_status_changed'),
    c.of('conversation_updated'),
    c.of('message_created-activity'),
    c.of('message_created-outgoing-agent'),
    c.of('message_created-private-note'),
    c.of('message_created-incoming', (b) => Object.assign(b, { id: c.id * 1000 + 8, created_at: '2026-11-30T09:03:30.000Z' })),
    c.of('conversation_updated-team-change'),
    c.of('conversation_updated', (b) => {
      b.meta.assignee = { id: 23, name: 'Tom Becker', type: 'user' };
      b.meta.team = { id: 5, name: 'parts' };
      b.changed_attributes = [{ assignee_id: { previous_value: null, current_value: 23 } }, { updated_at: { previous_value: '2026-11-30T09:05:00.332Z', current_value: '2026-11-30T09:06:00.000Z' } }];
    }),
    c.of('message_created-template'),
    c.of('conversation_status_changed-resolved'),
    c.of('message_created-incoming', (b) => Object.assign(b, { id: c.id * 1000 + 20, created_at: '2026-11-30T09:20:00.000Z' })),
    c.of('conversation_status_changed-resolved', (b) => {
      b.status = 'open';
      b.updated_at = Date.parse('2026-11-30T09:20:00.900Z') / 1000;
      b.changed_attributes = [{ status: { previous_value: 'resolved', current_value: 'open' } }];
    }),
    c.of('message_updated'),
  ];

  it('a whole conversation lands on one GUID with its events and states, and a redelivery of all of it stores nothing more', async () => {
    const c = conversationFixtures();
    const deliveries = wholeConversation(c);
    const answers = [];
    for (const body of deliveries) {
      const res = await deliver(body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      answers.push(res.body);
    }
    const guid = answers[0].guid as string;
    expect(guid).toMatch(/^FORD-2026-11-30-CNV-CHT-DET001-[0-9A-F]{6}$/);
    expect(answers.filter((a) => a.ignored === null).every((a) => a.guid === guid)).toBe(true);
    expect(answers.at(-1)).toEqual({ event: 'message_updated', guid: null, accepted: 0, duplicates: 0, skipped: 0, ignored: 'unmapped_event' });
    // The activity message, the private note and the reopening status change store nothing of their own.
    expect(answers.map((a) => a.accepted)).toEqual([1, 3, 1, 1, 1, 0, 1, 0, 1, 2, 1, 1, 1, 1, 0, 0]);

    const j = await journey(guid);
    expect(j.summary).toMatchObject({ kind: 'conversation', dealer_code: 'DET001', customer_id: 'chatwoot:3:contact:5521', current_state: 'INBOUND_QUEUE', created_at: '2026-11-30T09:00:00.000Z' });
    const moves = j.transitions.map((t: any) => [t.from, t.to, t.entered_at]);
    expect(moves).toEqual([
      [null, 'INBOUND_QUEUE', '2026-11-30T09:00:00.000Z'],
      ['INBOUND_QUEUE', 'BOT_SESSION', '2026-11-30T09:00:00.000Z'],
      ['BOT_SESSION', 'PENDING_AGENT', '2026-11-30T09:01:10.512Z'],
      ['PENDING_AGENT', 'HUMAN_ASSISTANCE', '2026-11-30T09:02:00.104Z'],
      ['HUMAN_ASSISTANCE', 'PENDING_AGENT', '2026-11-30T09:05:00.332Z'],
      ['PENDING_AGENT', 'HUMAN_ASSISTANCE', '2026-11-30T09:06:00.000Z'],
      ['HUMAN_ASSISTANCE', 'RESOLVED', '2026-11-30T09:08:01.200Z'],
      ['RESOLVED', 'INBOUND_QUEUE', '2026-11-30T09:20:00.000Z'],
    ]);
    const events = [...j.events].sort((a: any, b: any) => a.occurred_at.localeCompare(b.occurred_at) || a.event_id.localeCompare(b.event_id));
    expect(events.map((e: any) => [e.event_type, e.details.sender ?? e.details.resolved_by ?? null])).toEqual([
      ['MESSAGE_RECEIVED', null],
      ['BOT_SESSION_STARTED', null],
      ['CATEGORIES_UPDATED', null],
      ['MESSAGE_SENT', 'bot'],
      ['MESSAGE_RECEIVED', null],
      ['ESCALATION_REQUESTED', null],
      ['AGENT_ASSIGNED', null],
      ['MESSAGE_SENT', 'agent'],
      ['MESSAGE_RECEIVED', null],
      ['CATEGORIES_UPDATED', null],
      ['HANDOVER', null],
      ['AGENT_ASSIGNED', null],
      ['MESSAGE_SENT', 'system'],
      ['CONVERSATION_RESOLVED', 'agent'],
      ['MESSAGE_RECEIVED', null],
    ]);
    const byType = (type: string) => events.filter((e: any) => e.event_type === type);
    expect(byType('MESSAGE_SENT').find((e: any) => e.details.sender === 'agent')).toMatchObject({
      channel: 'CHAT',
      actor: { type: 'human', id: 'chatwoot:17' },
      details: { source: 'webchat', agent_id: 'chatwoot:17', team: 'service', message_id: String(c.id * 1000 + 7) },
    });
    // Chatwoot names the previous team by id only: the hand-over's from_team is the team the journey carried.
    expect(byType('HANDOVER')[0].details).toEqual({ to_team: 'parts', from_team: 'service', from_agent_id: 'chatwoot:17' });
    expect(byType('AGENT_ASSIGNED').map((e: any) => e.details)).toEqual([{ agent_id: 'chatwoot:17', team: 'service' }, { agent_id: 'chatwoot:23', team: 'parts' }]);
    expect(byType('CONVERSATION_RESOLVED')[0]).toMatchObject({ actor: { type: 'human', id: 'chatwoot:23' }, details: { resolved_by: 'agent', agent_id: 'chatwoot:23' } });
    expect(byType('CATEGORIES_UPDATED').map((e: any) => e.details)).toEqual([{ department: 'service', query_nature: 'recall_question' }, { department: 'parts', query_nature: 'warranty' }]);
    // Message text is never kept.
    expect(JSON.stringify(j.events)).not.toContain('recall letter');

    const stored = await logCount();
    for (const body of deliveries) {
      const res = await deliver(body);
      expect(res.status).toBe(200);
      expect(res.body.accepted, JSON.stringify(res.body)).toBe(0);
      if (res.body.ignored === null) expect(res.body.guid).toBe(guid);
    }
    expect(await logCount()).toBe(stored);
    expect((await journey(guid)).events).toHaveLength(j.events.length);
  });

  it('any event of a conversation finds its journey, also after its dealer_code attribute changed', async () => {
    const c = conversationFixtures();
    const first = await deliver(c.of('message_created-incoming', (b) => (b.conversation.custom_attributes.dealer_code = 'chi009')));
    expect(first.body).toMatchObject({ accepted: 1, ignored: null });
    expect(first.body.guid).toMatch(/-CHI009-/);
    const later = await deliver(c.of('conversation_status_changed', (b) => (b.custom_attributes.dealer_code = 'DET001')));
    expect(later.body).toMatchObject({ guid: first.body.guid, accepted: 1 });
    expect((await journey(first.body.guid)).summary.dealer_code).toBe('CHI009');
    // Opened again with other details (another process, a restart: no memory of the key), the key still names it.
    const reopened = await openConversation(app.rt.store, { prefix: 'FORD', channel: 'CHAT', dealer_code: 'DET001', customer_id: null, started_at: '2026-11-30T09:00:00.000Z', idempotencyKey: c.key, now: new Date() });
    expect(reopened).toMatchObject({ ok: false, error: { code: 'idempotency_key_reused' } });
    expect(await guidOfIdempotencyKey(app.rt.store, c.key)).toBe(first.body.guid);
    expect(await guidOfIdempotencyKey(app.rt.store, 'chatwoot:3:no-such-conversation')).toBeNull();
  });

  it('a dealer_code attribute that is no dealer code stores nothing, and an event it does not map neither', async () => {
    const before = await logCount();
    const c = conversationFixtures();
    const bad = await deliver(c.of('conversation_created', (b) => (b.custom_attributes.dealer_code = 'DET 001')));
    expect(bad.body).toEqual({ event: 'conversation_created', guid: null, accepted: 0, duplicates: 0, skipped: 0, ignored: 'invalid_dealer_code' });
    for (const name of ['webwidget_triggered', 'conversation_typing_on', 'message_updated']) {
      const res = await deliver(fixture(name));
      expect(res.body).toMatchObject({ event: name, guid: null, ignored: 'unmapped_event' });
    }
    expect(await logCount()).toBe(before);
  });

  it('a signed body that is not shaped like Chatwoot is a 400 listing what is wrong, and stores nothing', async () => {
    const before = await logCount();
    const c = conversationFixtures();
    const res = await deliver(c.of('message_created-incoming', (b) => { delete b.conversation.created_at; b.message_type = { kind: 'incoming' }; }));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.violations.map((v: any) => v.path).sort()).toEqual(['conversation.created_at', 'message_type']);
    expect(await logCount()).toBe(before);
  });

  it('checks the signature over the bytes Chatwoot sent (Rails escapes < > & in its JSON)', async () => {
    const c = conversationFixtures();
    const text = JSON.stringify(c.of('message_created-incoming')).replace('"content":"It is a 2021 F-150', '"content":"It is a 2021 F-150 \\u0026 more');
    const res = await deliver(text);
    expect(res.body).toMatchObject({ accepted: 1, ignored: null });
    const events = (await journey(res.body.guid)).events;
    expect(events[0].details.length).toBe(JSON.parse(text).content.length);
  });

  it('refuses unsigned, forged, tampered and stale deliveries with 403 and stores nothing', async () => {
    const before = await logCount();
    const body = JSON.stringify(conversationFixtures().of('conversation_created'));
    const signed = chatwootHeaders(body);
    const cases: [string, Record<string, string>, string][] = [
      ['unsigned', {}, body],
      ['another secret', chatwootHeaders(body, String(nowSec()), 'not-the-webhook-secret'), body],
      ['tampered body', signed, body.replace('"status":"pending"', '"status":"resolved"')],
      ['signature without timestamp', { 'X-Chatwoot-Signature': signed['X-Chatwoot-Signature']! }, body],
      ['not hex', { ...signed, 'X-Chatwoot-Signature': 'sha256=zz' }, body],
      ['26 hours old', chatwootHeaders(body, String(nowSec() - 26 * 3600)), body],
      ['11 minutes ahead', chatwootHeaders(body, String(nowSec() + 11 * 60)), body],
      ['timestamp not epoch seconds', chatwootHeaders(body, '2026-12-01T10:00:00Z'), body],
      ['a URL token this app does not take', {}, body],
    ];
    for (const [name, headers, text] of cases) {
      const path = name.startsWith('a URL token') ? `${HOOK}?token=${URL_TOKEN}` : HOOK;
      const res = await app.request('post', path, headers, text);
      expect(res.status, name).toBe(403);
      expect(res.body.code, name).toBe('invalid_signature');
    }
    // A signature a day old is still Chatwoot's (the window every provider webhook has): accepted.
    const dayOld = await deliver(body, app, chatwootHeaders(body, String(nowSec() - 24 * 3600)));
    expect(dayOld.status).toBe(200);
    expect(await logCount()).toBeGreaterThan(before);
  });

  it('answers 503 naming the variable while the webhook is not configured, and stores nothing', async () => {
    const body = JSON.stringify(conversationFixtures().of('conversation_created'));
    const before = await unconfigured.rt.store.log.count();
    const off = await deliver(body, unconfigured);
    expect(off.status).toBe(503);
    expect(off.body).toMatchObject({ code: 'provider_not_configured', variable: 'CHATWOOT_WEBHOOK_SECRET' });
    const dealerless = await deliver(body, noDealer);
    expect(dealerless.status).toBe(503);
    expect(dealerless.body).toMatchObject({ code: 'provider_not_configured', variable: 'CHATWOOT_DEALER_CODE' });
    expect(await unconfigured.rt.store.log.count()).toBe(before);
  });

  it('takes unsigned deliveries of older Chatwoot versions with the URL token, and only with it', async () => {
    const body = JSON.stringify(conversationFixtures().of('conversation_created'));
    const wrong = await withToken.request('post', `${HOOK}?token=${URL_TOKEN.replace('0', 'x')}`, {}, body);
    expect(wrong.status).toBe(403);
    const none = await withToken.request('post', HOOK, {}, body);
    expect(none.status).toBe(403);
    const right = await withToken.request('post', `${HOOK}?token=${URL_TOKEN}`, {}, body);
    expect(right.status, JSON.stringify(right.body)).toBe(200);
    expect(right.body).toMatchObject({ event: 'conversation_created', accepted: 3 });
    // A signed delivery is judged by its signature, whatever the URL says.
    const forged = await withToken.request('post', `${HOOK}?token=${URL_TOKEN}`, chatwootHeaders(body, String(nowSec()), 'wrong'), body);
    expect(forged.status).toBe(403);
  });
});
