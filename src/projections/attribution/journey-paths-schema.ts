// The journey-paths projection's tables: per journey its state and conversion and what attribution and prediction
// aggregate in SQL (the bounded path, the time-decay shares); and every touch, one row each (journey_touches).
import { sql, type ColumnType, type Kysely } from 'kysely';

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
  /** How many touches the journey has (journey_touches holds them). */
  touch_count: number;
  /**
   * Its first and its last PATH_END touches in order (JSON text of Touch[]): all an open journey's bounded path needs,
   * so a batch reads and writes a few of a journey's touches, not all of them.
   */
  head: string;
  tail: string;
  path: string[];
  time_decay_shares: ColumnType<Record<string, number> | null, string | null, string | null>;
}

/** One touch of a journey's path (a conversation's touch on its outreach journey's path is named `conversation/event`). */
export interface JourneyTouchesTable {
  guid: string;
  event_id: string;
  /** Event time, epoch ms. */
  at: ColumnType<string, number, number>;
  channel: string;
}

export interface AttributionTables {
  journey_paths: JourneyPathsTable;
  journey_touches: JourneyTouchesTable;
}

export const ATTRIBUTION_TABLES = ['journey_paths', 'journey_touches'] as const;

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
      -- The first and last touches as [epoch ms, channel, event id], in (time, event id) order, as JSON text (one
      -- JSON.parse; not a json column, which the event-payload parser would scan for big integers). Every touch used to
      -- be kept here: each batch read and rewrote the whole list, 220 µs an event at 200 touches a journey.
      touch_count integer NOT NULL,
      head text NOT NULL,
      tail text NOT NULL,
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
    CREATE TABLE IF NOT EXISTS journey_touches (
      guid text NOT NULL,
      event_id text NOT NULL,
      at bigint NOT NULL,
      channel text NOT NULL,
      PRIMARY KEY (guid, event_id)
    );
  `.execute(db);
};
