// Webhook delivery over real HTTP on both stores, to real receivers on 127.0.0.1 that verify every request with
// `standardwebhooks`: the PRD's journey.state_changed after a log-event, every status rule (2xx, 3xx not followed,
// 410 disables, 429 Retry-After, 500 on schedule then dead-lettered, five days failing disables), secret rotation,
// replay with the original ids, and a slow receiver that does not hold up another. Workers run on an injected clock.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { webhooksCommand } from '../../src/cli/webhooks-command.ts';
import { RETRY_SCHEDULE_MS } from '../../src/domain/webhooks/index.ts';
import { createWebhookDispatcher, type WebhookDispatcher, type WebhookDispatcherOptions } from '../../src/workers/webhook-dispatcher.ts';
import { createWebhookRelay, type WebhookRelay } from '../../src/workers/webhook-relay.ts';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const W = '/api/v2/webhooks';
const DAY = 86_400_000;

interface Received {
  headers: Record<string, string>;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A receiver on a free loopback port: records every request, answers with `handler` (200 by default). */
const startReceiver = async (handler: Handler = (_q, res) => res.end('ok')) => {
  const got: Received[] = [];
  let h = handler;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers as Record<string, string>, body });
      h(req, res, got.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    got,
    answer(next: Handler) {
      h = next;
    },
    ids: () => got.map((g) => g.headers['webhook-id']),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
};
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** What the receiver's own library says of a request: the payload when the signature verifies, else the error. */
const verify = (secret: string, r: Received) => {
  try {
    return { ok: true as const, payload: new Webhook(secret).verify(r.body, r.headers) as Record<string, unknown> };
  } catch (error) {
    return { ok: false as const, error: (error as Error).message };
  }
};

describe.each(storeTargets())('webhook delivery on $name', (target) => {
  let app: TestApp;
  const open: { close(): Promise<unknown> }[] = [];
  const subs: string[] = [];
  let t = Date.now();
  const now = () => new Date(t);

  /** A relay and a dispatcher on the test clock (each test starts it at the real time: replays are queued at it). */
  const rig = (options: Partial<WebhookDispatcherOptions> = {}) => {
    t = Date.now();
    const relay: WebhookRelay = createWebhookRelay({ readModels: app.rt.store.readModels, projections: app.rt.projections }, { now });
    const dispatcher: WebhookDispatcher = createWebhookDispatcher({ readModels: app.rt.store.readModels }, { allowPrivate: true, now, random: () => 0.5, ...options });
    open.push({ close: () => dispatcher.stop() });
    /** Everything acknowledged so far projected, fanned out, and what is due sent once. */
    const deliver = async () => {
      await projected();
      await relay.runOnce();
      return dispatcher.runOnce();
    };
    /** Another process's dispatcher on the same store and clock. */
    const another = () => {
      const d = createWebhookDispatcher({ readModels: app.rt.store.readModels }, { allowPrivate: true, now, random: () => 0.5, ...options });
      open.push({ close: () => d.stop() });
      return d;
    };
    return { relay, dispatcher, deliver, another, advance: (ms: number) => (t += ms) };
  };

  /** Every journey this suite wrote projected (catchUp alone returns early while the running worker holds the lock). */
  const guids = new Set<string>();
  const projected = async () => {
    for (const g of guids) expect(await app.rt.projections.waitForStream(`journey-${g}`, 10_000)).toBe(true);
  };

  const receiver = async (handler?: Handler) => {
    const r = await startReceiver(handler);
    open.push(r);
    return r;
  };

  const subscribe = async (r: Receiver, events: string[], path = '/hook', filter?: Record<string, unknown>) => {
    const res = await app.post(W, { url: r.url + path, events, ...(filter ? { filter } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    subs.push(res.body.id);
    return res.body as { id: string; secret: string };
  };

  const journey = async () => {
    const res = await app.post(`${T}/generate-guid`, riskBody());
    expect(res.status).toBe(201);
    guids.add(res.body.guid);
    return res.body.guid as string;
  };
  const logEvent = async (body: Record<string, unknown>) => {
    const res = await app.post(`${T}/log-event`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  let minute = 0;
  /** An SMS click: event.logged, and the journey's move to ENGAGED the first time. */
  const click = (guid: string) => logEvent({ guid, event_type: 'SMS_CLICKED', channel: 'SMS', occurred_at: new Date(Date.parse('2024-12-08T10:00:00Z') + minute++ * 60_000).toISOString() });

  const deliveries = async (id: string, query = '') => {
    const res = await app.get(`${W}/${id}/deliveries${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { counts: Record<string, number>; deliveries: any[]; next_cursor: string | null };
  };

  beforeAll(async () => {
    app = await startTestApp(target, { config: { webhookAllowPrivate: true } });
  });
  // Each test's endpoints go away with it: the relay fans out only to subscriptions that still exist.
  afterEach(async () => {
    for (const id of subs.splice(0)) await app.request('delete', `${W}/${id}`, { authorization: `Bearer test-admin-secret-0123456789abcdef0123456789` });
    for (const o of open.splice(0).reverse()) await o.close();
  });
  afterAll(async () => app?.close());

  it('sends journey.state_changed with the PRD payload, verbatim and signed, once the log-event moved the journey', async () => {
    const { deliver } = rig();
    const crm = await receiver();
    const sub = await subscribe(crm, ['journey.state_changed']);
    const guid = await journey();
    await logEvent({ guid, event_type: 'PORTAL_SCHEDULE_APPOINTMENT', channel: 'PORTAL', occurred_at: '2024-12-08T10:00:00Z', details: { appointment_id: 'APT-1', scheduled_for: '2024-12-09T09:00:00Z', service_type: 'battery' } });
    expect(await deliver()).toMatchObject({ attempted: 1, delivered: 1 });

    expect(crm.got).toHaveLength(1);
    const [r] = crm.got;
    const v = verify(sub.secret, r!);
    expect(v.ok, JSON.stringify(v)).toBe(true);
    expect(v.ok && v.payload).toMatchObject({
      type: 'journey.state_changed',
      guid,
      dealer_code: 'DET001',
      timestamp: '2024-12-08T10:00:00.000Z',
      data: { previous_state: 'CREATED', new_state: 'SCHEDULED', channel: 'PORTAL', metadata: { appointment_id: 'APT-1', scheduled_date: '2024-12-09T09:00:00Z', service_type: 'battery' } },
    });
    expect(r!.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': 'Threadline-Webhooks/1' });
    expect(r!.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{24}$/);
    expect(Math.abs(Number(r!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
    // The body is the outbox's text itself, and webhook-id its envelope id.
    const { rows } = await sql<{ payload: string }>`SELECT payload FROM live_envelopes WHERE id = ${r!.headers['webhook-id']}`.execute(app.rt.store.readModels);
    expect(r!.body).toBe(rows[0]!.payload);
    // Nothing it did not subscribe to (the creation, the logged event, the conversion) was sent.
    const list = await deliveries(sub.id);
    expect(list.counts).toEqual({ pending: 0, delivered: 1, failed: 0, cancelled: 0 });
    expect(list.deliveries[0]).toMatchObject({ webhook_id: r!.headers['webhook-id'], event_type: 'journey.state_changed', status: 'delivered', attempt_count: 1, attempts: [{ status_code: 200, error: null, response_excerpt: 'ok' }] });
  });

  it('counts a redirect as a failure and does not follow it', async () => {
    const { deliver, advance } = rig();
    const elsewhere = await receiver();
    const moved = await receiver((_q, res) => res.writeHead(302, { location: `${elsewhere.url}/hook` }).end());
    const sub = await subscribe(moved, ['event.logged']);
    await click(await journey());
    expect(await deliver()).toMatchObject({ attempted: 1, retrying: 1 });
    expect(elsewhere.got).toHaveLength(0);
    const [d] = (await deliveries(sub.id)).deliveries;
    expect(d).toMatchObject({ status: 'pending', last_status: '302', attempt_count: 1 });
    expect(Date.parse(d.next_attempt_at) - t).toBe(RETRY_SCHEDULE_MS[1]);
    // Fixed at the receiver: the retry is delivered, with the same webhook-id.
    moved.answer((_q, res) => res.end());
    advance(RETRY_SCHEDULE_MS[1]!);
    expect(await deliver()).toMatchObject({ delivered: 1 });
    expect(new Set(moved.ids()).size).toBe(1);
    expect(moved.got).toHaveLength(2);
  });

  it('disables an endpoint that answers 410 and cancels what it still had pending', async () => {
    const { deliver } = rig();
    const gone = await receiver((_q, res, n) => res.writeHead(n === 1 ? 500 : 410).end('gone'));
    const sub = await subscribe(gone, ['event.logged']);
    const guid = await journey();
    await click(guid);
    await click(guid);
    await deliver();
    const list = await deliveries(sub.id);
    expect(list.counts).toEqual({ pending: 0, delivered: 0, failed: 1, cancelled: 1 });
    expect(list.deliveries.find((d) => d.status === 'failed')).toMatchObject({ last_status: '410', attempts: [{ status_code: 410, response_excerpt: 'gone' }] });
    const s = await app.get(`${W}/${sub.id}`);
    expect(s.body).toMatchObject({ status: 'disabled', disabled_reason: expect.stringContaining('410') });
    // A disabled endpoint is not sent anything new.
    await click(guid);
    expect(await deliver()).toMatchObject({ attempted: 0 });
    expect((await deliveries(sub.id)).counts.pending).toBe(0);
    expect(gone.got).toHaveLength(2);
  });

  it('checks the destination again at send time: a loopback receiver is refused when private ones are not allowed', async () => {
    const { deliver } = rig({ allowPrivate: false });
    const local = await receiver();
    const sub = await subscribe(local, ['event.logged']);
    await click(await journey());
    expect(await deliver()).toMatchObject({ attempted: 1, retrying: 1 });
    expect(local.got).toHaveLength(0);
    const [d] = (await deliveries(sub.id)).deliveries;
    expect(d.attempts[0]).toMatchObject({ status_code: null, error: expect.stringContaining('destination refused') });
  });

  it('waits what a 429 Retry-After asks instead of the schedule', async () => {
    const { deliver, advance } = rig();
    const busy = await receiver((_q, res, n) => (n === 1 ? res.writeHead(429, { 'retry-after': '120' }).end() : res.end()));
    const sub = await subscribe(busy, ['event.logged']);
    await click(await journey());
    expect(await deliver()).toMatchObject({ retrying: 1 });
    expect(Date.parse((await deliveries(sub.id)).deliveries[0].next_attempt_at) - t).toBe(120_000);
    advance(RETRY_SCHEDULE_MS[1]!);
    expect(await deliver()).toMatchObject({ attempted: 0 });
    advance(120_000 - RETRY_SCHEDULE_MS[1]!);
    expect(await deliver()).toMatchObject({ delivered: 1 });
    expect(busy.got.every((r) => verify(sub.secret, r).ok)).toBe(true);
  });

  it('retries a 500 on the schedule, dead-letters it after the last attempt, and disables an endpoint failing for five days', async () => {
    const { deliver, advance } = rig();
    const broken = await receiver((_q, res) => res.writeHead(500).end('x'.repeat(2000)));
    const sub = await subscribe(broken, ['event.logged']);
    const guid = await journey();
    await click(guid);
    expect(await deliver()).toMatchObject({ attempted: 1, retrying: 1 });
    for (const wait of RETRY_SCHEDULE_MS.slice(1)) {
      // Not a second early...
      advance(wait - 1000);
      expect(await deliver()).toMatchObject({ attempted: 0 });
      advance(1000);
      const r = await deliver();
      expect(r.attempted).toBe(1);
    }
    expect(broken.got).toHaveLength(RETRY_SCHEDULE_MS.length);
    expect(new Set(broken.ids()).size).toBe(1);
    expect(broken.got.every((r) => verify(sub.secret, r).ok)).toBe(true);
    const dead = await deliveries(sub.id, '?status=failed');
    expect(dead.counts).toMatchObject({ failed: 1, pending: 0 });
    expect(dead.deliveries).toHaveLength(1);
    expect(dead.deliveries[0]).toMatchObject({ status: 'failed', attempt_count: 8, last_status: '500', next_attempt_at: null });
    expect(dead.deliveries[0].attempts).toHaveLength(8);
    expect(dead.deliveries[0].attempts[0].response_excerpt).toHaveLength(500);
    expect((await app.get(`${W}/${sub.id}`)).body).toMatchObject({ status: 'active', failing_since: expect.any(String) });

    // Still failing four days later (five days and more since the first failure): the endpoint is disabled.
    advance(4 * DAY);
    await click(guid);
    expect(await deliver()).toMatchObject({ disabled: 1 });
    expect((await app.get(`${W}/${sub.id}`)).body).toMatchObject({ status: 'disabled', disabled_reason: expect.stringContaining('more than 5 days') });
  });

  it('signs with both secrets while a rotation overlaps, then with the new one only', async () => {
    const { deliver, advance } = rig();
    const crm = await receiver();
    const sub = await subscribe(crm, ['event.logged']);
    const rotated = await app.post(`${W}/${sub.id}/rotate-secret`, { overlap_seconds: 3600 });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const guid = await journey();
    await click(guid);
    await deliver();
    const during = crm.got[0]!;
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verify(sub.secret, during).ok).toBe(true);
    expect(verify(rotated.body.secret, during).ok).toBe(true);
    advance(2 * 3600_000);
    await click(guid);
    await deliver();
    const after = crm.got[1]!;
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verify(rotated.body.secret, after).ok).toBe(true);
    expect(verify(sub.secret, after)).toMatchObject({ ok: false });
  });

  it('replays one message and an event-time range with the original webhook-ids', async () => {
    const { deliver, advance } = rig();
    const crm = await receiver();
    const sub = await subscribe(crm, ['event.logged']);
    const guid = await journey();
    for (let i = 0; i < 3; i++) await click(guid);
    await deliver();
    const first = crm.ids();
    expect(first).toHaveLength(3);

    const one = await app.post(`${W}/${sub.id}/replay`, { message_id: first[1] });
    expect(one.status, JSON.stringify(one.body)).toBe(202);
    expect(one.body).toEqual({ queued: 1 });
    // A replay is due at the server's time, which has passed the test clock (frozen when the test began) by however
    // long the test has run so far: on a slow moment of the embedded store, more than a second.
    const toServerTime = () => advance(Math.max(0, Date.now() - t) + 1000);
    toServerTime();
    expect(await deliver()).toMatchObject({ delivered: 1 });
    expect(crm.ids()[3]).toBe(first[1]);
    const replayed = (await deliveries(sub.id)).deliveries.find((d) => d.webhook_id === first[1]);
    expect(replayed).toMatchObject({ status: 'delivered', replays: 1, attempt_count: 1 });
    expect(replayed.attempts).toHaveLength(2);

    const payloads = crm.got.slice(0, 3).map((r) => verify(sub.secret, r)).map((v) => (v.ok ? (v.payload['timestamp'] as string) : ''));
    const range = await app.post(`${W}/${sub.id}/replay`, { since: payloads[0], until: new Date(Date.parse(payloads[2]!) + 1).toISOString() });
    expect(range.body).toEqual({ queued: 3 });
    toServerTime();
    await deliver();
    expect(new Set(crm.ids().slice(4))).toEqual(new Set(first));
    expect(crm.got.every((r) => verify(sub.secret, r).ok)).toBe(true);

    expect((await app.post(`${W}/${sub.id}/replay`, { message_id: 'msg_000000000000000000000000' })).status).toBe(404);
    expect((await app.post(`${W}/${sub.id}/replay`, { since: '2024-12-09T00:00:00Z', until: '2024-12-08T00:00:00Z' })).status).toBe(400);
  });

  it("holds a paused endpoint's deliveries and sends them when it is resumed", async () => {
    const { deliver } = rig();
    const crm = await receiver();
    const sub = await subscribe(crm, ['event.logged']);
    expect((await app.post(`${W}/${sub.id}/pause`, {})).status).toBe(200);
    await click(await journey());
    expect(await deliver()).toMatchObject({ attempted: 0 });
    expect((await deliveries(sub.id)).counts.pending).toBe(1);
    expect((await app.post(`${W}/${sub.id}/resume`, {})).status).toBe(200);
    expect(await deliver()).toMatchObject({ delivered: 1 });
    expect(crm.got).toHaveLength(1);
  });

  it('shows deliveries and replays from the command line', async () => {
    const { deliver, advance } = rig();
    const crm = await receiver((_q, res, n) => res.writeHead(n === 1 ? 503 : 200).end());
    const sub = await subscribe(crm, ['event.logged']);
    await click(await journey());
    await deliver();
    const cli = async (...args: string[]) => {
      const out = { stdout: '', stderr: '' };
      const code = await webhooksCommand(args, app.rt.store.readModels, { stdout: (s) => (out.stdout += s), stderr: (s) => (out.stderr += s) }, now);
      return { code, ...out };
    };
    const pending = await cli('deliveries', sub.id, '--status', 'pending');
    expect(pending.code).toBe(0);
    expect(pending.stdout).toContain(crm.ids()[0]);
    expect(pending.stdout).toMatch(/attempts=1 {2}last=503/);
    expect(pending.stderr).toContain('1 pending, 0 delivered, 0 failed, 0 cancelled');
    advance(RETRY_SCHEDULE_MS[1]!);
    await deliver();
    const replayed = await cli('replay', sub.id, '--message-id', crm.ids()[0]!);
    expect(replayed).toMatchObject({ code: 0, stderr: expect.stringContaining('queued 1 message') });
    advance(1000);
    expect(await deliver()).toMatchObject({ delivered: 1 });
    expect(new Set(crm.ids()).size).toBe(1);
    expect(crm.got).toHaveLength(3);
    expect((await cli('replay', sub.id)).code).toBe(2);
    expect((await cli('deliveries', 'wh_nosuch')).code).toBe(2);
  });

  it('shares an endpoint\'s four slots between dispatchers and takes back those of one that stopped beating', async () => {
    const { relay, dispatcher: first, another, advance } = rig();
    const held: ServerResponse[] = [];
    const crm = await receiver((_q, res) => held.push(res));
    const sub = await subscribe(crm, ['event.logged']);
    const guid = await journey();
    for (let i = 0; i < 6; i++) await click(guid);
    await projected();
    await relay.runOnce();
    const until = (n: number) => vi.waitFor(() => expect(crm.got.length).toBeGreaterThanOrEqual(n), { timeout: 10_000 });
    const firstRun = first.runOnce();
    await until(4);
    const second = another();
    // The first holds the endpoint's four slots: the second takes nothing of it while the first is alive.
    expect(await second.runOnce()).toMatchObject({ attempted: 0 });
    expect(crm.got).toHaveLength(4);
    // Six seconds without a heartbeat (as after a kill -9): its deliveries are taken back and sent again.
    advance(6000);
    const secondRun = second.runOnce();
    await until(8);
    held.splice(0).forEach((res) => res.end());
    await Promise.all([firstRun, secondRun]);
    // The same four were sent twice; the last two go now.
    const rest = second.runOnce();
    await until(10);
    held.splice(0).forEach((res) => res.end());
    expect(await rest).toMatchObject({ attempted: 2, delivered: 2 });
    expect((await deliveries(sub.id)).counts).toMatchObject({ delivered: 6, pending: 0 });
    // The duplicates carry the same webhook-id: the receiver sees six messages.
    expect(crm.got).toHaveLength(10);
    expect(new Set(crm.ids()).size).toBe(6);
  });

  it('keeps delivering to one endpoint while another does not answer', async () => {
    const { relay, dispatcher } = rig({ now: undefined });
    const held: ServerResponse[] = [];
    const slow = await receiver((_q, res) => held.push(res));
    const fast = await receiver();
    await subscribe(slow, ['event.logged']);
    await subscribe(fast, ['event.logged']);
    dispatcher.start();
    const guid = await journey();
    for (let i = 0; i < 6; i++) await click(guid);
    await projected();
    await relay.runOnce();
    dispatcher.nudge();
    for (const until = Date.now() + 20_000; fast.got.length < 6 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    expect(fast.got).toHaveLength(6);
    // The slow one holds at most four at a time and has answered none of them.
    expect(slow.got.length).toBeLessThanOrEqual(4);
    expect(held).toHaveLength(slow.got.length);
    for (const until = Date.now() + 20_000; slow.got.length < 6 && Date.now() < until; ) {
      held.splice(0).forEach((res) => res.end());
      await new Promise((r) => setTimeout(r, 20));
    }
    held.splice(0).forEach((res) => res.end());
    expect(new Set(slow.ids())).toEqual(new Set(fast.ids()));
  });
});
