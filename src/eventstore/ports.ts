// The store's ports, owned by their users: streams (read, append with expected version), the global log (read from
// an opaque position, subscribe), and the read-model database. No driver type appears here; each adapter
// (pglite, postgres, later eventstoredb) implements all three.
import type { Event, EventStore } from '@event-driven-io/emmett';
import type { Kysely } from 'kysely';

export type StoreKind = 'pglite' | 'postgres';

/**
 * Expected version for "this stream must not exist yet". Emmett 0.42's PostgreSQL store treats its
 * STREAM_DOES_NOT_EXIST as "no check" (it appends to whatever is there); an explicit 0n is enforced by the
 * streams table's unique key, so concurrent creators get exactly one winner.
 */
export const MUST_NOT_EXIST = 0n;

export interface StreamAppend {
  streamName: string;
  events: Event[];
  expectedStreamVersion: bigint;
}

/** Resolves false, having stored nothing, when any stream was not at its expected version. */
export type AppendAtomically = (appends: StreamAppend[]) => Promise<boolean>;

/** The stream side: Emmett's EventStore, and one-transaction appends to several streams where the store has them. */
export interface StreamStore {
  eventStore: EventStore;
  /** Optional: a store without multi-stream transactions (EventStoreDB) leaves it out and callers append stream by stream. */
  appendAtomically?: AppendAtomically;
}

/** A place in the global log. Opaque: only the log that issued it compares and reads from it. */
export interface LogPosition {
  /** The adapter's encoding (stored in checkpoints as it is). */
  readonly token: string;
  /** The event's global position, informative (audit lines, tracking_events.global_position). */
  readonly globalPosition: bigint;
}

export interface LoggedEvent {
  position: LogPosition;
  streamId: string;
  streamPosition: bigint;
  type: string;
  /** As stored; a codec at the reader's side parses it into its event type. */
  data: unknown;
  recordedAt: Date;
}

export interface ReadLogOptions {
  after: LogPosition | null;
  limit: number;
  /** Only this stream's events; unless `stable`, in the stream's own order, after `after`'s place in it. */
  streamId?: string | undefined;
  /** Only events recorded at or after / before this instant (exports by time range). */
  recordedFrom?: Date | undefined;
  recordedTo?: Date | undefined;
  /**
   * Only the stable prefix of the log: events no still-running writer can precede. A reader that keeps a checkpoint
   * (a projection) needs this; a snapshot read (an export) wants every committed event.
   */
  stable?: boolean;
}

export interface GlobalLog {
  /**
   * Reads in log order. `within`: the read-model transaction of the caller; a log that lives in the same database
   * reads through it (one snapshot with the read models, and one connection where the store has only one).
   */
  read(options: ReadLogOptions, within?: Kysely<unknown>): Promise<LoggedEvent[]>;
  /** The position of the newest event of a stream, or null when the stream has none. */
  streamHead(streamId: string): Promise<LogPosition | null>;
  compare(a: LogPosition, b: LogPosition): number;
  /** A position stored by `encode`, back. */
  decode(token: string, globalPosition: bigint): LogPosition;
  /** How many events the log holds (for progress bars). */
  count(): Promise<number>;
  /** Called after this process appended (other processes' appends are found by reading). Returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

/** Table maintenance where the database does not do it itself (PGlite has no autovacuum). */
export interface Maintenance {
  needed: boolean;
  analyze(): Promise<void>;
  /** VACUUM (ANALYZE), one process at a time where several share a database. Resolves false when another holds it. */
  vacuum(): Promise<boolean>;
}

export interface OpenedStore extends StreamStore {
  kind: StoreKind;
  log: GlobalLog;
  /** The read models' database (the same database as the log in both modes today). */
  readModels: Kysely<unknown>;
  maintenance: Maintenance;
  /** Opens every connection the store may hold, so the first burst after a start waits for none. */
  warmUp(): Promise<number>;
  /**
   * Whether the store's connection is in use or waited for right now, where every reader and writer shares one
   * (the embedded store); absent where there are many.
   */
  connectionBusy?: () => boolean;
  close(): Promise<void>;
}

/** What the command side needs. */
export type CommandStore = StreamStore;
