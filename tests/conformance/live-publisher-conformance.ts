// What any LivePublisher adapter (NATS JetStream now, Kafka later) must do, run unchanged against each: ensure is
// idempotent, a batch is acknowledged in order and stored verbatim, the same id is stored once, a broker that does not
// answer makes publish reject instead of hang, and close is clean. A skipped suite or case says why.
import { afterEach, describe, expect, it } from 'vitest';
import { LivePublishError, type LiveMessage, type LivePublisher } from '../../src/application/live/index.ts';

export interface StoredMessage {
  subject: string;
  id: string;
  payload: string;
}

/** One publisher on a destination of its own (its own stream or topic, its own subjects), and a way to read it back. */
export interface PublisherUnderTest {
  publisher: LivePublisher;
  /** A subject in this destination's namespace, made of these tokens. */
  subject(...tokens: string[]): string;
  /** Everything the destination holds, in its order, with the id the broker deduplicates on. */
  stored(): Promise<StoredMessage[]>;
  /** Another publisher configured exactly like this one (two processes starting at once). */
  twin(): LivePublisher;
  /** Closes what it opened and deletes the destination. */
  cleanup(): Promise<void>;
}

/** `reachable`: a running broker; `unreachable`: configured at an address where nothing answers. */
export type MakePublisher = (reach: 'reachable' | 'unreachable') => Promise<PublisherUnderTest>;

export interface ConformanceOptions {
  /** Skip the whole suite, saying why (e.g. no broker answers here). */
  skip?: string | null;
  /** Skip single cases by title, saying why. */
  skipCases?: Record<string, string>;
}

let seq = 0;
const message = (p: PublisherUnderTest, overrides: Partial<LiveMessage> = {}): LiveMessage => {
  const n = seq++;
  const id = `msg_${String(n).padStart(4, '0')}${Math.random().toString(16).slice(2, 22).padEnd(20, '0')}`;
  return { subject: p.subject('DET001', 'journey', 'state_changed'), id, key: `GUID-${n % 3}`, payload: JSON.stringify({ id, n }), ...overrides };
};

export const runLivePublisherConformance = (name: string, make: MakePublisher, options: ConformanceOptions = {}) => {
  if (options.skip) {
    describe.skip(`LivePublisher conformance: ${name} (skipped: ${options.skip})`, () => {
      it('is not run', () => {});
    });
    return;
  }
  const opened: PublisherUnderTest[] = [];
  const open = async (reach: 'reachable' | 'unreachable') => {
    const p = await make(reach);
    opened.push(p);
    return p;
  };
  const test = (title: string, fn: () => Promise<void>) => {
    const reason = options.skipCases?.[title];
    if (reason) it.skip(`${title} (skipped: ${reason})`, fn);
    else it(title, fn);
  };

  describe(`LivePublisher conformance: ${name}`, () => {
    afterEach(async () => {
      for (const p of opened.splice(0)) await p.cleanup();
    });

    test('ensure is idempotent, also from two publishers at once', async () => {
      const p = await open('reachable');
      await p.publisher.ensure();
      await p.publisher.ensure();
      const twin = p.twin();
      await Promise.all([twin.ensure(), p.publisher.ensure()]);
      const m = message(p);
      expect(await twin.publish([m])).toMatchObject([{ id: m.id, duplicate: false }]);
      await twin.close();
      expect(await p.stored()).toEqual([{ subject: m.subject, id: m.id, payload: m.payload }]);
    });

    test('acknowledges a batch in its order and stores it in that order, verbatim', async () => {
      const p = await open('reachable');
      await p.publisher.ensure();
      const batch = Array.from({ length: 60 }, (_, i) => message(p, i % 2 ? { subject: p.subject(`D${i % 4}`, 'event', 'logged') } : {}));
      // Integers beyond 2^53 and non-ASCII text must survive byte for byte: consumers parse the envelope themselves.
      batch.push(message(p, { payload: '{"sequence":12345678901234567890,"note":"Zoë — ✓"}' }));
      const results = await p.publisher.publish(batch);
      expect(results.map((r) => r.id)).toEqual(batch.map((m) => m.id));
      expect(results.every((r) => !r.duplicate)).toBe(true);
      const positions = results.map((r) => BigInt(r.position));
      expect(positions.every((x, i) => i === 0 || x > positions[i - 1]!)).toBe(true);
      expect(await p.stored()).toEqual(batch.map((m) => ({ subject: m.subject, id: m.id, payload: m.payload })));
    });

    test('stores the same id once, across batches and within one', async () => {
      const p = await open('reachable');
      await p.publisher.ensure();
      const [a, b, c, d] = [message(p), message(p), message(p), message(p)];
      await p.publisher.publish([a!, b!]);
      // A republished batch (the cursor write was lost in a crash) with one new message at its end.
      const again = await p.publisher.publish([a!, b!, c!]);
      expect(again.map((r) => r.duplicate)).toEqual([true, true, false]);
      const within = await p.publisher.publish([d!, d!]);
      expect(within.map((r) => r.duplicate)).toEqual([false, true]);
      expect((await p.stored()).map((m) => m.id)).toEqual([a!.id, b!.id, c!.id, d!.id]);
    });

    test('an empty batch is answered without the broker', async () => {
      const p = await open('unreachable');
      expect(await p.publisher.publish([])).toEqual([]);
    });

    test('rejects, instead of hanging, when the broker does not answer', async () => {
      const p = await open('unreachable');
      await expect(p.publisher.ensure()).rejects.toBeInstanceOf(LivePublishError);
      await expect(p.publisher.publish([message(p)])).rejects.toBeInstanceOf(LivePublishError);
      // Still usable: a later attempt tries again rather than answering from a broken state, and fails the same way.
      await expect(p.publisher.publish([message(p)])).rejects.toBeInstanceOf(LivePublishError);
      await p.publisher.close();
    });

    test('closes cleanly: twice, unopened, and refuses to publish afterwards', async () => {
      const p = await open('reachable');
      await p.publisher.ensure();
      const m = message(p);
      await p.publisher.publish([m]);
      await p.publisher.close();
      await p.publisher.close();
      await expect(p.publisher.publish([message(p)])).rejects.toBeInstanceOf(LivePublishError);
      expect((await p.stored()).map((x) => x.id)).toEqual([m.id]);
      const unopened = p.twin();
      await unopened.close();
      await expect(unopened.ensure()).rejects.toBeInstanceOf(LivePublishError);
    });
  });
};
