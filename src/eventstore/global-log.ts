// The global-log port: read every stream's events in commit order, from a checkpoint, for projections and export.

/**
 * A place in the global log. PostgreSQL allocates positions before commit, so two writers can commit out of
 * position order; ordering by (transaction id, position) and reading only below the oldest running
 * transaction gives a log that never has a hole behind a reader's checkpoint.
 */
export interface LogPosition {
  transactionId: bigint;
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
  streamId?: string | undefined;
  /** Only events recorded at or after / before this instant (for exports by time range). */
  recordedFrom?: Date | undefined;
  recordedTo?: Date | undefined;
}

export interface GlobalLogReader {
  read(options: ReadLogOptions): Promise<LoggedEvent[]>;
  /** The position of the newest event of a stream, or null when the stream has none. */
  streamHead(streamId: string): Promise<LogPosition | null>;
}

export const comparePositions = (a: LogPosition, b: LogPosition): number =>
  a.transactionId === b.transactionId
    ? Number(a.globalPosition - b.globalPosition)
    : a.transactionId < b.transactionId
      ? -1
      : 1;
