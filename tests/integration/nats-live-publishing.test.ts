// End to end on both stores: journeys logged over HTTP reach a JetStream consumer as envelopes (subject, Nats-Msg-Id,
// payload verbatim, outbox order); a crash before the cursor write republishes and JetStream keeps one copy; two
// processes never publish at once; and a NATS server that is down (at start, then killed) never stops ingest.
import { connect, type ConsumerMessages, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createNatsPublisher, liveSubject, type LivePublisher } from '../../src/application/live/index.ts';
import { latestCursor, publisherCursor, readEnvelopes, START_CURSOR } from '../../src/projections/live/index.ts';
import { createLivePublisherWorker, type LivePublisherWorker } from '../../src/workers/live-publisher-worker.ts';
import { deleteStream, NATS_URL, natsSkipReason, privateNats, readStream, uniqueNatsNames, type PrivateNats } from '../helpers/nats-server.ts';
import { query } from '../helpers/sql.ts';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const skip = await natsSkipReason();
const T = '/api/v2/tracking';
const WAIT = { timeout: 20_000, interval: 50 };

interface Received {
  subject: string;
  msgId: string | undefined;
  payload: string;
}

describe.skipIf(skip !== null).each(storeTargets())('NATS live publishing on $name', (target) => {
  let app: TestApp;
  let nc: NatsConnection;
  const { stream, prefix } = uniqueNatsNames();
  const name = `nats:${stream}`;
  const publishers: LivePublisher[] = [];
  const workers: LivePublisherWorker[] = [];
  const received: Received[] = [];
  let subscription: ConsumerMessages | null = null;

  const worker = (options: { url?: string; exclusive?: boolean; leaseMs?: number } = {}) => {
    const publisher = createNatsPublisher({ url: options.url ?? NATS_URL, stream, subjectPrefix: prefix, publishTimeoutMs: 2000, connectTimeoutMs: 500 });
    publishers.push(publisher);
    const w = createLivePublisherWorker(
      { readModels: app.rt.store.readModels, publisher, onApplied: (p, l) => app.rt.projections.onApplied(p, l) },
      { name, subjectPrefix: prefix, pollMs: 100, batchSize: 7, exclusive: options.exclusive ?? target.name === 'pglite', leaseMs: options.leaseMs, backoff: { firstMs: 50, maxMs: 400 } },
    );
    workers.push(w);
    w.start();
    return w;
  };
  const journey = async (dealer_code: string) => {
    const res = await app.post(`${T}/generate-guid`, riskBody({ dealer_code }));
    expect(res.status).toBe(201);
    return res.body.guid as string;
  };
  const logEvents = async (guid: string, types: string[]) => {
    for (const event_type of types) expect((await app.post(`${T}/log-event`, { guid, channel: 'EMAIL', event_type })).status).toBe(201);
  };
  const envelopes = async () => {
    await app.rt.projections.catchUp();
    return readEnvelopes(app.rt.store.readModels, START_CURSOR, 100_000);
  };
  const caughtUp = async () => {
    const latest = await latestCursor(app.rt.store.readModels);
    await vi.waitFor(async () => expect(await publisherCursor(app.rt.store.readModels, name)).toEqual(latest), WAIT);
  };

  beforeAll(async () => {
    app = await startTestApp(target);
    nc = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    for (const p of publishers) await p.close();
    subscription?.stop();
    await nc?.close();
    await deleteStream(NATS_URL, stream).catch(() => {});
    await app?.close();
  });

  it('delivers every envelope to a JetStream consumer on its subject, with its id as Nats-Msg-Id and its payload verbatim', async () => {
    const w = worker();
    const a = await journey('DET001');
    const b = await journey('DET002');
    await logEvents(a, ['EMAIL_SENT', 'EMAIL_OPENED', 'EMAIL_CLICKED']);
    await logEvents(b, ['EMAIL_SENT']);
    // catchUp() passes when the running worker holds the projection's lock mid-batch: wait for both journeys instead.
    for (const g of [a, b]) expect(await app.rt.projections.waitForStream(`journey-${g}`, 10_000)).toBe(true);
    const stored = await envelopes();
    await caughtUp();
    // An ordered consumer, as a data platform would read the stream from its start.
    const consumer = await nc.jetstream().consumers.get(stream, { filterSubjects: `${prefix}.>` });
    subscription = await consumer.consume();
    void (async () => {
      for await (const m of subscription!) received.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), payload: m.string() });
    })();
    await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(stored.length), WAIT);
    expect(received).toEqual(stored.map((e) => ({ subject: liveSubject(prefix, e.dealer_code, e.type), msgId: e.id, payload: e.payload })));
    expect(received.map((r) => r.subject)).toEqual(expect.arrayContaining([`${prefix}.DET001.journey.created`, `${prefix}.DET001.journey.state_changed`, `${prefix}.DET002.event.logged`]));
    for (const r of received) expect(JSON.parse(r.payload)).toMatchObject({ id: r.msgId, guid: expect.stringMatching(/-DET00[12]-/) });
    expect(w.status()).toMatchObject({ published: stored.length, failing: null });
    await w.stop();
  });

  it('after a crash before the cursor write, republishes from the old cursor and the stream keeps one copy of each', async () => {
    const before = await envelopes();
    // The crash: every batch since the start was acknowledged by NATS but its cursor write never happened.
    await query(app.rt.store, 'UPDATE threadline_live_publisher_cursor SET position = -1, idx = 0, holder = NULL, lease_until = NULL WHERE name = $1', [name]);
    const c = await journey('DET003');
    await logEvents(c, ['EMAIL_SENT', 'EMAIL_OPENED']);
    worker();
    const after = await envelopes();
    expect(after.length).toBeGreaterThan(before.length);
    await caughtUp();
    const { state } = await (await nc.jetstreamManager()).streams.info(stream);
    expect(state.messages).toBe(after.length);
    expect((await readStream(nc, stream)).map((m) => m.msgId)).toEqual(after.map((e) => e.id));
    await vi.waitFor(() => expect(received.length).toBe(after.length), WAIT);
    expect(new Set(received.map((r) => r.msgId)).size).toBe(after.length);
  });

  it('lets one process publish at a time: a second one on the same cursor waits its turn', async () => {
    for (const w of workers) await w.stop();
    const first = worker({ exclusive: false, leaseMs: 2000 });
    await vi.waitFor(async () => expect((await query(app.rt.store, 'SELECT holder FROM threadline_live_publisher_cursor WHERE name = $1', [name])).rows[0].holder).not.toBeNull(), WAIT);
    const second = worker({ exclusive: false, leaseMs: 2000 });
    await logEvents(await journey('DET004'), ['EMAIL_SENT', 'EMAIL_OPENED', 'EMAIL_CLICKED']);
    await envelopes();
    await caughtUp();
    expect(first.status().published).toBeGreaterThan(0);
    expect(second.status().published).toBe(0);
    // A clean stop hands the cursor over at once.
    await first.stop();
    await logEvents(await journey('DET005'), ['EMAIL_SENT']);
    await envelopes();
    await caughtUp();
    expect(second.status().published).toBeGreaterThan(0);
    const all = await envelopes();
    expect((await readStream(nc, stream)).map((m) => m.msgId)).toEqual(all.map((e) => e.id));
  });
});

describe.skipIf(skip !== null).each(storeTargets())('NATS outages on $name', (target) => {
  let app: TestApp;
  let server: PrivateNats;
  let nc: NatsConnection | null = null;
  const { stream, prefix } = uniqueNatsNames();
  const publisher = () => createNatsPublisher({ url: server.url, stream, subjectPrefix: prefix, publishTimeoutMs: 1000, connectTimeoutMs: 300 });
  let pub: LivePublisher;
  let w: LivePublisherWorker;

  beforeAll(async () => {
    app = await startTestApp(target);
    server = await privateNats();
    pub = publisher();
    w = createLivePublisherWorker(
      { readModels: app.rt.store.readModels, publisher: pub, onApplied: (p, l) => app.rt.projections.onApplied(p, l) },
      { name: `nats:${stream}`, subjectPrefix: prefix, pollMs: 100, exclusive: target.name === 'pglite', backoff: { firstMs: 50, maxMs: 300 } },
    );
  });
  afterAll(async () => {
    await w?.stop();
    await pub?.close();
    await nc?.close();
    await server?.dispose();
    await app?.close();
  });

  const ingest = async (dealer: string) => {
    const res = await app.post(`${T}/generate-guid`, riskBody({ dealer_code: dealer }));
    expect(res.status).toBe(201);
    for (const event_type of ['EMAIL_SENT', 'EMAIL_OPENED']) expect((await app.post(`${T}/log-event`, { guid: res.body.guid, channel: 'EMAIL', event_type })).status).toBe(201);
  };
  const allPublished = async () => {
    await app.rt.projections.catchUp();
    const all = await readEnvelopes(app.rt.store.readModels, START_CURSOR, 100_000);
    await vi.waitFor(async () => expect(await publisherCursor(app.rt.store.readModels, `nats:${stream}`)).toEqual(all.at(-1)!.cursor), WAIT);
    nc ??= await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    expect((await readStream(nc, stream)).map((m) => m.msgId)).toEqual(all.map((e) => e.id));
  };

  it('keeps answering 201 while NATS is down at start, and publishes everything once it comes up', async () => {
    w.start();
    await ingest('DET001');
    await vi.waitFor(() => expect(w.status().failing?.attempts).toBeGreaterThan(1), WAIT);
    await server.start();
    await allPublished();
    expect(w.status().failing).toBeNull();
  });

  it('keeps answering 201 when NATS dies mid-way, and publishes the rest, once each, when it is back', async () => {
    await server.kill();
    await ingest('DET002');
    await ingest('DET003');
    await vi.waitFor(() => expect(w.status().failing).not.toBeNull(), WAIT);
    await server.start();
    await allPublished();
  });
});
