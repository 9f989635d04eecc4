// The LivePublisher on NATS JetStream: one stream capturing `<prefix>.>`, each envelope published with its id as
// `Nats-Msg-Id`, so the stream's duplicate window drops a copy republished after a crash or a lost ack.
import { connect, DiscardPolicy, Events, nanos, RetentionPolicy, StorageType, type NatsConnection, type NatsError, type StreamConfig } from 'nats';
import { LivePublishError, type LiveMessage, type LivePublisher, type PublishResult } from './live-publisher.ts';

export interface NatsPublisherOptions {
  /** `nats://host:port` (NATS_URL). */
  url: string;
  /** The stream Threadline creates and keeps configured (THREADLINE_NATS_STREAM). */
  stream: string;
  /** The stream captures `<subjectPrefix>.>` (default `threadline`). */
  subjectPrefix?: string;
  /**
   * How long the stream remembers message ids (default 10 min): a copy republished within it is dropped. A restart
   * republishes at most the batch whose acks arrived but whose cursor was not written, seconds after it starts.
   */
  duplicateWindowMs?: number;
  /** How long the stream keeps messages (default 7 days); consumers that fall further behind rebuild from the API. */
  maxAgeMs?: number;
  /** How long a publish waits for its ack before it counts as failed (default 5 s). */
  publishTimeoutMs?: number;
  /** How long a connection attempt may take (default 2 s). */
  connectTimeoutMs?: number;
}

const DEFAULTS = { subjectPrefix: 'threadline', duplicateWindowMs: 10 * 60_000, maxAgeMs: 7 * 24 * 3600_000, publishTimeoutMs: 5_000, connectTimeoutMs: 2_000 };

const encoder = new TextEncoder();

const isStreamNotFound = (error: unknown) => (error as NatsError | undefined)?.api_error?.err_code === 10059;

export const createNatsPublisher = (options: NatsPublisherOptions): LivePublisher => {
  const o = { ...DEFAULTS, ...options };
  const subjects = `${o.subjectPrefix}.>`;
  let nc: NatsConnection | null = null;
  let connecting: Promise<NatsConnection> | null = null;
  /** False while the client is reconnecting: a publish then fails at once instead of piling up in its buffer. */
  let connected = false;
  let ensured = false;
  let closed = false;

  const watch = async (c: NatsConnection) => {
    for await (const s of c.status()) {
      if (s.type === Events.Disconnect) connected = false;
      if (s.type === Events.Reconnect) {
        connected = true;
        // The server may have restarted without its store: check the stream again before the next publish.
        ensured = false;
      }
    }
  };

  const connection = async (): Promise<NatsConnection> => {
    if (closed) throw new LivePublishError('the NATS publisher is closed');
    if (nc && !nc.isClosed()) return nc;
    connecting ??= connect({ servers: o.url, name: `threadline:${o.stream}`, timeout: o.connectTimeoutMs, maxReconnectAttempts: -1, reconnectTimeWait: 1_000 })
      .then((c) => {
        nc = c;
        connected = true;
        ensured = false;
        void watch(c).catch(() => {});
        return c;
      })
      .catch((error: unknown) => {
        throw new LivePublishError(`NATS at ${o.url} is unreachable`, { cause: error });
      })
      .finally(() => {
        connecting = null;
      });
    return connecting;
  };

  const wanted = (): Partial<StreamConfig> => ({
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(o.maxAgeMs),
    duplicate_window: nanos(o.duplicateWindowMs),
  });

  const ensure = async () => {
    const c = await connection();
    try {
      const jsm = await c.jetstreamManager({ timeout: o.publishTimeoutMs });
      const info = await jsm.streams.info(o.stream).catch((error: unknown) => {
        if (isStreamNotFound(error)) return null;
        throw error;
      });
      const want = wanted();
      if (!info) {
        await jsm.streams.add({ name: o.stream, subjects: [subjects], description: 'Threadline live envelopes (docs/webhooks.md)', num_replicas: 1, ...want });
      } else {
        // Keep what an operator added (more subjects, replicas); set only what the guarantees depend on.
        const cfg = info.config;
        const same = cfg.subjects.includes(subjects) && cfg.max_age === want.max_age && cfg.duplicate_window === want.duplicate_window && cfg.retention === want.retention && cfg.discard === want.discard;
        if (!same) await jsm.streams.update(o.stream, { ...cfg, subjects: [...new Set([...cfg.subjects, subjects])], max_age: want.max_age, duplicate_window: want.duplicate_window, discard: want.discard });
      }
      ensured = true;
    } catch (error) {
      if (error instanceof LivePublishError) throw error;
      throw new LivePublishError(`the JetStream stream ${o.stream} could not be created or updated`, { cause: error });
    }
  };

  return {
    ensure,
    async publish(batch: readonly LiveMessage[]): Promise<PublishResult[]> {
      if (batch.length === 0) return [];
      if (!ensured) await ensure();
      const c = await connection();
      if (!connected) throw new LivePublishError(`NATS at ${o.url} is unreachable (reconnecting)`);
      const js = c.jetstream({ timeout: o.publishTimeoutMs });
      // Pipelined on one connection: the server stores them in this order, the acks come back in it.
      const settled = await Promise.allSettled(batch.map((m) => js.publish(m.subject, encoder.encode(m.payload), { msgID: m.id, expect: { streamName: o.stream }, timeout: o.publishTimeoutMs })));
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) {
        ensured = false;
        throw new LivePublishError(`publishing to the JetStream stream ${o.stream} failed`, { cause: failed.reason });
      }
      return settled.map((s, i) => {
        const ack = (s as PromiseFulfilledResult<{ seq: number; duplicate: boolean }>).value;
        return { id: batch[i]!.id, duplicate: ack.duplicate, position: String(ack.seq) };
      });
    },
    async close() {
      closed = true;
      const c = nc ?? (await connecting?.catch(() => null)) ?? null;
      nc = null;
      if (!c || c.isClosed()) return;
      // Drain lets acks under way arrive; a server that is gone cannot be drained, so do not wait for it long.
      if (connected) await Promise.race([c.drain().catch(() => {}), new Promise((r) => setTimeout(r, o.publishTimeoutMs).unref())]);
      if (!c.isClosed()) await c.close();
    },
  };
};
