// The journey-paths projection's table: per journey, its touches in event-time order, its state and conversion,
// and what attribution and prediction aggregate in SQL (the bounded path, the time-decay shares).
import { sql, type ColumnType, type Kysely } from 'kysely';
import type { ColumnTypes } from '../runner/recordset-writer.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** A touch as journey_paths keeps it: [epoch ms, channel, event id]. */
export type Touch = [at: number, channel: string, eventId: string];

export const parseTouches = (text: string): Touch[] => JSON.parse(text) as Touch[];

export interface JourneyPathsTable {
  guid: string;
  kind: string;
  /** Event time at which the journey's clock started. */
  created_at: Timestamp;
  current_state: string;
  /** How many moves its timeline has, and the one that converted (to follow revisions of its past). */
  moves: number;
  converted_seq: number | null;
  converted: boolean;
  converted_at: Timestamp | null;
  value: ColumnType<string | null, string | number | null, string | number | null>;
  /** The latest SERVICED fact ("occurred_at|event_id"): its revenue is the value. */
  revenue_key: string | null;
  /** A conversation's outreach journey (parent_guid): the conversation's touches count on that journey's path too. */
  parent_guid: string | null;
  /** JSON text of Touch[]; parse with parseTouches. */
  touches: string;
  path: string[];
  time_decay_shares: ColumnType<Record<string, number> | null, string | null, string | null>;
}

/** The columns' SQL types, for writing a batch's rows in one statement (recordset-writer.ts). */
export const JOURNEY_PATH_COLUMNS: ColumnTypes<JourneyPathsTable> = {
  guid: 'text',
  kind: 'text',
  created_at: 'timestamptz',
  current_state: 'text',
  moves: 'integer',
  converted_seq: 'integer',
  converted: 'boolean',
  converted_at: 'timestamptz',
  value: 'numeric',
  revenue_key: 'text',
  parent_guid: 'text',
  touches: 'text',
  path: 'text[]',
  time_decay_shares: 'jsonb',
};

export interface AttributionTables {
  journey_paths: JourneyPathsTable;
}

export const ATTRIBUTION_TABLES = ['journey_paths'] as const;

export const createAttributionSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS journey_paths (
      guid text PRIMARY KEY,
      kind text NOT NULL,
      created_at timestamptz NOT NULL,
      current_state text NOT NULL,
      moves integer NOT NULL,
      converted_seq integer,
      converted boolean NOT NULL,
      converted_at timestamptz,
      value numeric(14, 2),
      revenue_key text,
      parent_guid text,
      -- Every touch as [epoch ms, channel, event id], in (time, event id) order, as JSON text: one JSON.parse, not three
      -- arrays (postgres-array and postgres-date took 0.4 s a batch for a journey of 30,000 touches) nor a json column
      -- (the event-payload parser would scan it for big integers, which it cannot hold).
      touches text NOT NULL,
      -- What attribution counts: the touches before the conversion (all touches while not converted, at most
      -- MAX_PATH_TOUCHES of them), and a converted journey's time-decay shares, so that a window of a million
      -- journeys aggregates in SQL.
      path text[] NOT NULL,
      time_decay_shares jsonb
    );
    CREATE INDEX IF NOT EXISTS journey_paths_converted ON journey_paths (kind, converted_at) WHERE converted;
    CREATE INDEX IF NOT EXISTS journey_paths_created ON journey_paths (kind, created_at);
    -- Index-only scans for the attribution aggregates (a window of a million journeys reads no table pages).
    CREATE INDEX IF NOT EXISTS journey_paths_converted_cover ON journey_paths (kind, converted_at) INCLUDE (path, value) WHERE converted;
    CREATE INDEX IF NOT EXISTS journey_paths_open_cover ON journey_paths (kind, created_at) INCLUDE (path) WHERE NOT converted;
    CREATE INDEX IF NOT EXISTS journey_paths_state ON journey_paths (kind, current_state);
  `.execute(db);
};
