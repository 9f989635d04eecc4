// Where each broker publisher has reached in the live outbox, and which process holds it: a lease in the row (not a
// transaction held across the broker round trip, which on PGlite's single connection would stall ingest).
import { sql, type ColumnType, type Kysely } from 'kysely';
import type { EnvelopeCursor } from './live-envelope-queries.ts';
import { claimRowLease, releaseRowLease, renewedLease } from '../runner/row-lease.ts';

const TABLE = 'threadline_live_publisher_cursor';

export interface PublisherCursorTable {
  /** The publisher's name (`nats:<stream>`): a new destination starts from the beginning of the outbox. */
  name: string;
  /** The last envelope the broker acknowledged. */
  position: ColumnType<bigint, bigint | string, bigint | string>;
  idx: number;
  /** The process publishing, and until when (database time) the others leave it alone. */
  holder: string | null;
  lease_until: ColumnType<Date | null, Date | string | null, Date | string | null>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface PublisherCursorTables {
  threadline_live_publisher_cursor: PublisherCursorTable;
}

export const createPublisherCursorSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS threadline_live_publisher_cursor (
      name text PRIMARY KEY,
      position bigint NOT NULL,
      idx integer NOT NULL,
      holder text,
      lease_until timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
};

const cursorOf = (row: { position: unknown; idx: number }): EnvelopeCursor => ({ position: BigInt(row.position as bigint | string | number), idx: row.idx });

/**
 * Takes or renews the lease and answers the cursor; null while another process's lease runs. `force`: take it anyway
 * (a single-process store, where a lease left by a crash can only be this process's predecessor's).
 */
export const claimPublisherCursor = async (db: Kysely<unknown>, name: string, holder: string, leaseMs: number, force: boolean): Promise<EnvelopeCursor | null> => {
  await sql`INSERT INTO threadline_live_publisher_cursor (name, position, idx) VALUES (${name}, -1, 0) ON CONFLICT (name) DO NOTHING`.execute(db);
  const row = await claimRowLease<{ position: string; idx: number }>(db, TABLE, name, holder, leaseMs, force, 'position, idx');
  return row ? cursorOf(row) : null;
};

/**
 * Moves the cursor (and renews the lease); false when the lease was lost to another process. Not waiting for the WAL
 * flush: a cursor lost to a database crash only republishes what the broker's duplicate window drops.
 */
export const advancePublisherCursor = (db: Kysely<unknown>, name: string, holder: string, to: EnvelopeCursor, leaseMs: number): Promise<boolean> =>
  db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('synchronous_commit', 'off', true)`.execute(trx);
    const r = await sql`
      UPDATE threadline_live_publisher_cursor
         SET position = ${to.position.toString()}::bigint, idx = ${to.idx}, lease_until = ${renewedLease(leaseMs)}, updated_at = now()
       WHERE name = ${name} AND holder = ${holder}`.execute(trx);
    return (r.numAffectedRows ?? 0n) > 0n;
  });

/** Gives the lease up at a clean stop, so the next process starts at once. */
export const releasePublisherCursor = (db: Kysely<unknown>, name: string, holder: string): Promise<void> => releaseRowLease(db, TABLE, name, holder);

/** Where the publisher has reached (null: it never ran). */
export const publisherCursor = async (db: Kysely<unknown>, name: string): Promise<EnvelopeCursor | null> => {
  const row = await (db as Kysely<PublisherCursorTables>).selectFrom('threadline_live_publisher_cursor').select(['position', 'idx']).where('name', '=', name).executeTakeFirst();
  return row ? cursorOf(row) : null;
};

/** The lowest position any publisher has reached (null: none ever ran): the outbox's retention keeps what is past it. */
export const lowestPublisherPosition = async (db: Kysely<unknown>): Promise<bigint | null> => {
  const { rows } = await sql<{ low: string | null }>`SELECT min(position)::text AS low FROM threadline_live_publisher_cursor`.execute(db);
  return rows[0]?.low == null ? null : BigInt(rows[0].low);
};
