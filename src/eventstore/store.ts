// The event store port the rest of Threadline uses: Emmett's EventStore plus the global log and the pool.
import type { Event, EventStore } from '@event-driven-io/emmett';
import type pg from 'pg';
import type { GlobalLogReader } from './global-log.ts';

export type StoreKind = 'pglite' | 'postgres';

export interface OpenedStore {
  kind: StoreKind;
  eventStore: EventStore;
  log: GlobalLogReader;
  /** The global log read through one client (inside a projection's transaction). */
  logOn(client: pg.PoolClient): GlobalLogReader;
  /**
   * Appends to several streams in one transaction, all or nothing. Optional: a store without multi-stream
   * transactions (EventStoreDB) leaves it out and callers append stream by stream.
   */
  appendAtomically?: AppendAtomically;
  /** The PostgreSQL pool the read models live in (the same database as the log in both modes). */
  pool: pg.Pool;
  close(): Promise<void>;
}

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

/** What the command side needs: Emmett's store, and one-statement appends where the store has them. */
export type CommandStore = Pick<OpenedStore, 'eventStore' | 'appendAtomically'>;
