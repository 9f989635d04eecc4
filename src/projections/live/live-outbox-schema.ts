// The live outbox: every envelope other systems are to receive, in the order it was written, by the live-outbox
// projection in the same transaction as its checkpoint (a crash loses none and repeats none); and the little the fold
// keeps per journey. The webhook relay, the SSE stream and the NATS publisher each read it after a cursor of their own.
import { sql, type ColumnType, type Kysely } from 'kysely';
import type { ColumnTypes } from '../runner/recordset-writer.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface LiveEnvelopesTable {
  /**
   * The outbox's own order: one number per source event, increasing in the order the projection wrote them (commit
   * order: one writer at a time), and the envelope's place among that event's envelopes. Consumers' cursors are
   * (position, idx). Not the global log position: the log is read in transaction order, in which global positions
   * interleave (PostgreSQL assigns them after the transaction id), so a cursor over them would skip envelopes written
   * later with a lower one.
   */
  position: ColumnType<bigint, bigint | string, bigint | string>;
  idx: number;
  /** The global log position of the event the envelope came from (informative). */
  log_position: ColumnType<bigint, bigint | string, bigint | string>;
  /** Stable across rebuilds, retries and replays. */
  id: string;
  type: string;
  guid: string;
  dealer_code: string | null;
  kind: string;
  /** Event time. */
  occurred_at: Timestamp;
  /** When the event was stored: what the outbox's retention counts from. */
  recorded_at: Timestamp;
  /** The envelope as JSON text, exactly as it is sent (integers beyond 2^53 kept exact). */
  payload: string;
}

export interface LiveJourneysTable {
  guid: string;
  /** JSON text of the fold's LiveJourney. */
  state: string;
}

export interface LiveOutboxTables {
  live_envelopes: LiveEnvelopesTable;
  live_journeys: LiveJourneysTable;
}

/** The columns' SQL types, for writing a batch's rows in one statement (recordset-writer.ts). */
export const LIVE_ENVELOPE_COLUMNS: ColumnTypes<LiveEnvelopesTable> = {
  position: 'bigint',
  idx: 'integer',
  log_position: 'bigint',
  id: 'text',
  type: 'text',
  guid: 'text',
  dealer_code: 'text',
  kind: 'text',
  occurred_at: 'timestamptz',
  recorded_at: 'timestamptz',
  payload: 'text',
};

export const LIVE_JOURNEY_COLUMNS: ColumnTypes<LiveJourneysTable> = { guid: 'text', state: 'text' };

/**
 * What a rebuild drops: the fold's state only. The envelopes stay, so consumers' cursors stay valid; the rebuild folds
 * the log again and adds only envelopes the outbox lacks (their ids are stable): none, unless the retention pruned them.
 */
export const LIVE_OUTBOX_TABLES = ['live_journeys'] as const;

export const createLiveOutboxSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS live_envelopes (
      position bigint NOT NULL,
      idx integer NOT NULL,
      log_position bigint NOT NULL,
      id text NOT NULL UNIQUE,
      type text NOT NULL,
      guid text NOT NULL,
      dealer_code text,
      kind text NOT NULL,
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL,
      payload text NOT NULL,
      PRIMARY KEY (position, idx)
    );
    CREATE INDEX IF NOT EXISTS live_envelopes_guid ON live_envelopes (guid, position);
    CREATE INDEX IF NOT EXISTS live_envelopes_recorded ON live_envelopes (recorded_at);
    CREATE TABLE IF NOT EXISTS live_journeys (guid text PRIMARY KEY, state text NOT NULL);
  `.execute(db);
};
