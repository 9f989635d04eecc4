// The port every message-broker adapter implements (NATS JetStream now, Kafka later), owned by the publishing worker.
// tests/conformance/live-publisher-conformance.ts is what any adapter must pass.

/** One envelope to publish. */
export interface LiveMessage {
  /** Dot-separated tokens (`threadline.DET001.journey.state_changed`); see liveSubject. */
  subject: string;
  /** The envelope id: the broker's deduplication key (NATS `Nats-Msg-Id`), stable across republishing. */
  id: string;
  /** The ordering key (the journey GUID): an adapter that partitions keeps one key's messages in order. */
  key: string;
  /** The envelope's JSON text, sent verbatim. */
  payload: string;
}

export interface PublishResult {
  id: string;
  /** The broker already held this id (a republished copy it removed). */
  duplicate: boolean;
  /** Where the broker stored it (JetStream: the stream sequence), as text. */
  position: string;
}

export interface LivePublisher {
  /** Connects and creates or updates the destination (stream, topic) to the adapter's settings; idempotent. */
  ensure(): Promise<void>;
  /**
   * Resolves once the broker has acknowledged every message, one result per message in the batch's order; rejects
   * (within the adapter's timeout, never hanging) when any is not acknowledged: the caller publishes the batch again.
   */
  publish(batch: readonly LiveMessage[]): Promise<PublishResult[]>;
  /** Flushes what is under way and disconnects; publishing afterwards rejects. */
  close(): Promise<void>;
}

/** A broker failure (unreachable, not acknowledged, destination refused), wrapped once with the driver's error as cause. */
export class LivePublishError extends Error {
  override name = 'LivePublishError';
}
