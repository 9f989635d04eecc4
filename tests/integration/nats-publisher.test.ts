// The NATS JetStream adapter of the LivePublisher port against the real local server (nats://127.0.0.1:4222): the
// conformance suite every broker adapter passes, then what is particular to JetStream (the stream's settings, the
// Nats-Msg-Id header, an operator's own subjects kept). Each test has its own stream and subjects, deleted after.
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsPublisher, liveSubject, type NatsPublisherOptions } from '../../src/application/live/index.ts';
import { runLivePublisherConformance, type PublisherUnderTest } from '../conformance/live-publisher-conformance.ts';
import { deleteStream, freePort, NATS_URL, natsSkipReason, readStream, uniqueNatsNames } from '../helpers/nats-server.ts';

const skip = await natsSkipReason();

const makeNats = async (reach: 'reachable' | 'unreachable'): Promise<PublisherUnderTest> => {
  const { stream, prefix } = uniqueNatsNames();
  // Nothing listens on a port just freed: connecting is refused, as with a server that is down.
  const url = reach === 'reachable' ? NATS_URL : `nats://127.0.0.1:${await freePort()}`;
  const options: NatsPublisherOptions = { url, stream, subjectPrefix: prefix, publishTimeoutMs: 2000, connectTimeoutMs: 1000 };
  const publisher = createNatsPublisher(options);
  let reader: NatsConnection | null = null;
  return {
    publisher,
    subject: (...tokens) => [prefix, ...tokens].join('.'),
    twin: () => createNatsPublisher(options),
    async stored() {
      reader ??= await connect({ servers: NATS_URL });
      return (await readStream(reader, stream)).map((m) => ({ subject: m.subject, id: m.msgId ?? '', payload: m.payload }));
    },
    async cleanup() {
      await publisher.close();
      await reader?.close();
      if (reach === 'reachable') await deleteStream(NATS_URL, stream);
    },
  };
};

runLivePublisherConformance('NATS JetStream', makeNats, { skip });

describe.skipIf(skip !== null)('NATS JetStream stream settings', () => {
  let nc: NatsConnection;
  const made: string[] = [];
  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    for (const s of made) await deleteStream(NATS_URL, s);
    await nc?.close();
  });
  const names = () => {
    const n = uniqueNatsNames();
    made.push(n.stream);
    return n;
  };

  it('creates the stream with limits retention, file storage, the duplicate window and the max age', async () => {
    const { stream, prefix } = names();
    const p = createNatsPublisher({ url: NATS_URL, stream, subjectPrefix: prefix, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000 });
    await p.ensure();
    await p.close();
    const { config } = await (await nc.jetstreamManager()).streams.info(stream);
    expect(config).toMatchObject({ name: stream, subjects: [`${prefix}.>`], retention: 'limits', storage: 'file', discard: 'old', duplicate_window: 60_000 * 1e6, max_age: 3_600_000 * 1e6 });
  });

  it('brings a stream changed by hand back to its settings, keeping the subjects an operator added', async () => {
    const { stream, prefix } = names();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`, `${prefix}_ops.>`], duplicate_window: 5_000 * 1e6 });
    const p = createNatsPublisher({ url: NATS_URL, stream, subjectPrefix: prefix });
    await p.ensure();
    await p.close();
    const { config } = await jsm.streams.info(stream);
    expect(config.subjects).toEqual([`${prefix}.>`, `${prefix}_ops.>`]);
    expect(config.duplicate_window).toBe(10 * 60_000 * 1e6);
    expect(config.max_age).toBe(7 * 24 * 3_600_000 * 1e6);
  });

  it('sends the envelope id as Nats-Msg-Id on the subject made from the dealer and the event type', async () => {
    const { stream, prefix } = names();
    const p = createNatsPublisher({ url: NATS_URL, stream, subjectPrefix: prefix });
    const subject = liveSubject(prefix, 'DET 001.x', 'journey.state_changed');
    expect(subject).toBe(`${prefix}.DET_001_x.journey.state_changed`);
    await p.publish([{ subject, id: 'msg_0123456789abcdef01234567', key: 'G', payload: '{"a":1}' }]);
    await p.close();
    expect(await readStream(nc, stream)).toEqual([{ seq: 1, subject, msgId: 'msg_0123456789abcdef01234567', payload: '{"a":1}' }]);
  });

  it('sets the stream up again when it was deleted under a running publisher', async () => {
    const { stream, prefix } = names();
    const p = createNatsPublisher({ url: NATS_URL, stream, subjectPrefix: prefix, publishTimeoutMs: 1000 });
    await p.publish([{ subject: `${prefix}._.event.logged`, id: 'msg_a', key: 'G', payload: '1' }]);
    await (await nc.jetstreamManager()).streams.delete(stream);
    // The first try fails (nothing captures the subject any more); the next one recreates the stream.
    await expect(p.publish([{ subject: `${prefix}._.event.logged`, id: 'msg_b', key: 'G', payload: '2' }])).rejects.toThrow();
    await p.publish([{ subject: `${prefix}._.event.logged`, id: 'msg_b', key: 'G', payload: '2' }]);
    await p.close();
    expect((await readStream(nc, stream)).map((m) => m.msgId)).toEqual(['msg_b']);
  });
});
