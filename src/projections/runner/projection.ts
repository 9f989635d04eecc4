// A read model as a named definition: its tables and their schema, the events it handles, how it applies them.
// The runner gives each one its own checkpoint, lock, quarantine and worker; one failing never stops another.
import type { Kysely } from 'kysely';
import type { LoggedEvent } from '../../eventstore/index.ts';

export interface ProjectionDefinition {
  /** Names its checkpoint, lock and quarantine; `threadline rebuild --projection NAME`. */
  name: string;
  /**
   * The meaning of its rows. When it changes (a new column, a new rule), bump it: at start the tables are dropped,
   * created again, and filled by replaying the log from position 0, as a rebuild does.
   */
  version: number;
  /** The tables it owns (dropped by a rebuild). */
  tables: readonly string[];
  /** Creates its tables and indexes when missing (idempotent DDL). */
  createSchema(db: Kysely<unknown>): Promise<void>;
  /** The event types it applies; the runner skips the others (they still move its checkpoint). */
  handles: readonly string[];
  /**
   * Commit each batch durably (wait for the WAL flush). Read models need not: a batch lost to a crash is projected
   * again from the log. An outbox must: what it held may already have been sent.
   */
  durableCommit?: boolean;
  /** Applies events (in log order, only handled types) inside the runner's transaction, set-wise. */
  apply(db: Kysely<unknown>, events: LoggedEvent[]): Promise<void>;
}
