// Publishes the live outbox to a message broker (NATS JetStream) after its own cursor, at least once: the cursor moves
// only after the broker acknowledged the batch. A broker that is down is logged and retried with backoff; ingest and
// the projections never wait for it.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import { liveSubject, type LiveMessage, type LivePublisher } from '../application/live/index.ts';
import { advancePublisherCursor, claimPublisherCursor, readEnvelopes, releasePublisherCursor, type EnvelopeCursor } from '../projections/live/index.ts';

export interface LivePublisherWorkerDeps {
  readModels: Kysely<unknown>;
  publisher: LivePublisher;
  /** `projections.onApplied`: woken when this process's live-outbox projection wrote envelopes. */
  onApplied?(projection: string, listener: () => void): () => void;
  logger?: { error(obj: object, msg: string): void; info(obj: object, msg: string): void; warn?(obj: object, msg: string): void };
}

export interface LivePublisherWorkerOptions {
  /** The cursor's name (`nats:<stream>`). */
  name: string;
  /** Subjects are `<subjectPrefix>.<dealer>.<event type>` (default `threadline`). */
  subjectPrefix?: string;
  /** Envelopes per publish (default 256). */
  batchSize?: number;
  /** How often it looks for envelopes other processes wrote (default 500 ms). */
  pollMs?: number;
  /** How long a process holds the cursor without renewing it (default 10 s): a crashed holder's successor waits that long. */
  leaseMs?: number;
  /** The store admits one process only (PGlite): take the cursor even while a crashed predecessor's lease runs. */
  exclusive?: boolean;
  /** Backoff after a failure: doubling from firstMs to maxMs, with jitter (default 250 ms to 30 s). */
  backoff?: { firstMs: number; maxMs: number };
}

export interface LivePublisherStatus {
  published: number;
  failing: { since: Date; attempts: number; error: string } | null;
}

export interface LivePublisherWorker {
  /** One batch: publishes the next envelopes and moves the cursor; answers how many (0: none, or another process holds it). */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
  status(): LivePublisherStatus;
}

export const createLivePublisherWorker = (deps: LivePublisherWorkerDeps, options: LivePublisherWorkerOptions): LivePublisherWorker => {
  const prefix = options.subjectPrefix ?? 'threadline';
  const batchSize = options.batchSize ?? 256;
  const pollMs = options.pollMs ?? 500;
  const leaseMs = options.leaseMs ?? 10_000;
  const backoff = options.backoff ?? { firstMs: 250, maxMs: 30_000 };
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const db = deps.readModels;
  let lease: { cursor: EnvelopeCursor; renewAt: number } | null = null;
  let ensured = false;
  let published = 0;
  let failing: LivePublisherStatus['failing'] = null;
  let running = false;
  let loop: Promise<void> | null = null;
  let nudged = false;
  let wake: (() => void) | null = null;
  let unsubscribe: (() => void) | null = null;

  /** The cursor while this process holds it; the lease is renewed at half its length, not at every look. */
  const holdCursor = async (): Promise<EnvelopeCursor | null> => {
    if (lease && performance.now() < lease.renewAt) return lease.cursor;
    const t0 = performance.now();
    const cursor = await claimPublisherCursor(db, options.name, holder, leaseMs, options.exclusive ?? false);
    lease = cursor ? { cursor, renewAt: t0 + leaseMs / 2 } : null;
    return cursor;
  };

  const runOnce = async (): Promise<number> => {
    nudged = false;
    const after = await holdCursor();
    if (!after) return 0;
    const envelopes = await readEnvelopes(db, after, batchSize);
    const last = envelopes.at(-1);
    if (!last) return 0;
    if (!ensured) {
      await deps.publisher.ensure();
      ensured = true;
    }
    const batch: LiveMessage[] = envelopes.map((e) => ({ subject: liveSubject(prefix, e.dealer_code, e.type), id: e.id, key: e.guid, payload: e.payload }));
    try {
      await deps.publisher.publish(batch);
    } catch (error) {
      // The destination may be gone with a restarted server: set it up again before the next try.
      ensured = false;
      throw error;
    }
    const t0 = performance.now();
    if (!(await advancePublisherCursor(db, options.name, holder, last.cursor, leaseMs))) {
      // Our lease ran out while publishing and another process took over: it republishes from its own reading.
      lease = null;
      deps.logger?.warn?.({ publisher: options.name }, 'live publisher lost its lease to another process');
      return 0;
    }
    lease = { cursor: last.cursor, renewAt: t0 + leaseMs / 2 };
    published += envelopes.length;
    return envelopes.length;
  };

  const pause = (ms: number, wakeable: boolean) =>
    new Promise<void>((resolve) => {
      if (!running || (wakeable && nudged)) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = wakeable ? done : () => (running ? undefined : done());
    });

  const run = async () => {
    let attempts = 0;
    while (running) {
      try {
        const n = await runOnce();
        if (failing) deps.logger?.info({ publisher: options.name, attempts: failing.attempts }, 'live publishing resumed');
        attempts = 0;
        failing = null;
        if (n < batchSize) await pause(pollMs, true);
      } catch (error) {
        attempts += 1;
        failing = { since: failing?.since ?? new Date(), attempts, error: error instanceof Error ? error.message : String(error) };
        const delay = Math.round(Math.min(backoff.maxMs, backoff.firstMs * 2 ** (attempts - 1)) * (0.5 + Math.random() / 2));
        // One line per attempt; the backoff bounds them to one every maxMs while the broker stays down.
        deps.logger?.error({ err: error, publisher: options.name, attempt: attempts, retry_in_ms: delay }, 'live publishing failed; retrying');
        await pause(delay, false);
      }
    }
  };

  return {
    runOnce,
    status: () => ({ published, failing }),
    start() {
      if (running) return;
      running = true;
      unsubscribe =
        deps.onApplied?.('live-outbox', () => {
          nudged = true;
          wake?.();
        }) ?? null;
      loop = run();
    },
    async stop() {
      if (!running) return;
      running = false;
      unsubscribe?.();
      wake?.();
      await loop;
      loop = null;
      if (lease) await releasePublisherCursor(db, options.name, holder).catch(() => {});
      lease = null;
    },
  };
};
