// The global-log port: read every stream's events in commit order, from a checkpoint, for projections and export.

/**
 * A place in the global log. PostgreSQL allocates positions before commit, so two writers can commit out of
 * position order; ordering by transaction id and reading only below the oldest running transaction gives a
 * log that never has a hole behind a reader's checkpoint. Within a transaction the stream position orders
 * events (the sequence may number one append's events out of stream order).
 */
export interface LogPosition {
  transactionId: bigint;
  streamId: string;
  streamPosition: bigint;
  /** The event's global position (informative: it is not the sort key). */
  globalPosition: bigint;
}

export interface LoggedEvent {
  position: LogPosition;
  streamId: string;
  streamPosition: bigint;
  type: string;
  data: Record<string, unknown>;
  recordedAt: Date;
}

export interface ReadLogOptions {
  after: LogPosition | null;
  limit: number;
  /** Only this stream's events; unless `stable`, in the stream's own order (its positions), after `after`'s position in it. */
  streamId?: string | undefined;
  /** Only events recorded at or after / before this instant (for exports by time range). */
  recordedFrom?: Date | undefined;
  recordedTo?: Date | undefined;
  /**
   * Only the stable prefix of the log: events no still-running transaction can precede. A reader that keeps a
   * checkpoint (a projection) needs this; a snapshot read (an export) wants every committed event.
   */
  stable?: boolean;
}

export interface GlobalLogReader {
  read(options: ReadLogOptions): Promise<LoggedEvent[]>;
  /** The position of the newest event of a stream, or null when the stream has none. */
  streamHead(streamId: string): Promise<LogPosition | null>;
}

const cmp = <T extends bigint | string>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

/** Log order: (transaction id, stream id, stream position). */
export const comparePositions = (a: LogPosition, b: LogPosition): number =>
  cmp(a.transactionId, b.transactionId) || cmp(a.streamId, b.streamId) || cmp(a.streamPosition, b.streamPosition);
